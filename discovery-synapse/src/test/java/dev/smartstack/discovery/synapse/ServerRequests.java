package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.testing.FourLetterWords;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;

/**
 * The requests a client session has made, as the server counts them
 * ({@link FourLetterWords#requestsAnswered}: {@code lcxid} in {@code cons}). Needs
 * {@code zookeeper.4lw.commands.whitelist} to allow {@code cons} (set in this module's pom).
 */
final class ServerRequests {
    private ServerRequests() {
    }

    /** The requests answered so far on {@code client}'s current session. */
    static long of(int serverPort, CuratorFramework client) {
        long sessionId;
        try {
            sessionId = client.getZookeeperClient().getZooKeeper().getSessionId();
        } catch (Exception e) {
            throw new IllegalStateException("no session", e);
        }
        return of(serverPort, sessionId);
    }

    static long of(int serverPort, long sessionId) {
        return FourLetterWords.requestsAnswered(serverPort, sessionId);
    }

    /**
     * The paths the server watches for {@code client}'s session, from the {@code wchc} four-letter
     * word (a session line, then its paths indented).
     */
    static List<String> watchedPaths(int serverPort, CuratorFramework client) throws Exception {
        String session = "0x" + Long.toHexString(client.getZookeeperClient().getZooKeeper().getSessionId());
        List<String> paths = new ArrayList<>();
        boolean mine = false;
        for (String line : FourLetterWords.send(serverPort, "wchc").split("\n")) {
            if (!line.isBlank() && !Character.isWhitespace(line.charAt(0))) {
                mine = line.trim().equals(session);
            } else if (mine && !line.isBlank()) {
                paths.add(line.trim());
            }
        }
        return paths;
    }
}
