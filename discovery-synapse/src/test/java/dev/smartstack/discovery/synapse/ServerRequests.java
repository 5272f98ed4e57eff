package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.testing.FourLetterWords;
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
}
