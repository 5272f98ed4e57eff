package dev.smartstack.discovery.testing;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooKeeper;

/** Session trouble on demand, for tests of what happens when ZooKeeper expires a session. */
public final class ZooKeeperSessions {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);

    private ZooKeeperSessions() {
    }

    /**
     * Makes the server expire {@code client}'s current session, as it does when a client is silent
     * for longer than its session timeout: the session's ephemeral nodes are deleted at once, and
     * the client learns that its session expired when it next hears from the server (Curator then
     * reports {@code LOST} and opens a new session).
     *
     * <p>This attaches a second connection to the same session and closes it, which is what the
     * server does on expiry. It works with every fixture in this package and with any ZooKeeper.
     *
     * @throws IllegalStateException when the client has no session or the session cannot be reached
     */
    public static void expire(CuratorFramework client) {
        ZooKeeper zk;
        String connectString;
        try {
            zk = client.getZookeeperClient().getZooKeeper();
            connectString = client.getZookeeperClient().getCurrentConnectionString();
        } catch (Exception e) {
            throw new IllegalStateException("client has no ZooKeeper connection", e);
        }
        long sessionId = zk.getSessionId();
        if (sessionId == 0) {
            throw new IllegalStateException("client has no session yet");
        }
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper other = null;
        try {
            other = new ZooKeeper(connectString, Math.max(zk.getSessionTimeout(), 1_000), event -> {
                if (event.getState() == KeeperState.SyncConnected) {
                    connected.countDown();
                }
            }, sessionId, zk.getSessionPasswd());
            if (!connected.await(CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("could not attach to session 0x" + Long.toHexString(sessionId)
                        + " at " + connectString + " within " + CONNECT_TIMEOUT);
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException("could not attach to session 0x" + Long.toHexString(sessionId), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            if (other != null) {
                try {
                    other.close();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
