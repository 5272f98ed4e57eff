package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.testing.FourLetterWords;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.curator.framework.CuratorFramework;

/**
 * The requests a client session has made, as the server counts them: the last client xid it
 * answered on that session ({@code lcxid} in the {@code cons} four-letter word). Every request
 * carries the next xid, so the difference between two readings is the number of requests in
 * between, read on the server. Pings carry no xid and are not counted; the client's own
 * {@code setWatches} after a reconnect on the same session is (ZooKeeper 3.9 gives it an xid); a
 * multi-read is one request. Needs
 * {@code zookeeper.4lw.commands.whitelist} to allow {@code cons} (set in this module's pom).
 */
final class ServerRequests {
    private static final Pattern LCXID = Pattern.compile("lcxid=0x([0-9a-f]+)");

    private ServerRequests() {
    }

    /** The requests answered so far on {@code client}'s current session. */
    static long of(int serverPort, CuratorFramework client) {
        try {
            return of(serverPort, client.getZookeeperClient().getZooKeeper().getSessionId());
        } catch (Exception e) {
            throw new IllegalStateException("no session", e);
        }
    }

    static long of(int serverPort, long sessionId) {
        String cons;
        try {
            cons = FourLetterWords.send(serverPort, "cons");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!cons.contains("sid=0x")) {
            throw new IllegalStateException("cons did not list sessions: " + cons);
        }
        String sid = "sid=0x" + Long.toHexString(sessionId) + ",";
        long last = 0;
        for (String line : cons.split("\n")) {
            if (line.contains(sid)) {
                Matcher m = LCXID.matcher(line);
                if (m.find()) {
                    last = Math.max(last, Long.parseLong(m.group(1), 16));
                }
            }
        }
        return last;
    }
}
