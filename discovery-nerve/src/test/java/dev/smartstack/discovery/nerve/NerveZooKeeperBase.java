package dev.smartstack.discovery.nerve;

import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;

/**
 * The set-up the reporter ITs share: one in-process ZooKeeper per class with an observer client
 * on it, and a {@link #zkPath} of its own per test method ({@code /nerve/<method>/services}, not
 * created).
 */
abstract class NerveZooKeeperBase {
    static TestingServer server;
    static CuratorFramework observer;

    String zkPath;

    @BeforeAll
    static void startZooKeeper() throws Exception {
        server = new TestingServer(true);
        observer = CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryOneTime(100));
        observer.start();
        observer.blockUntilConnected(20, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stopZooKeeper() throws Exception {
        observer.close();
        server.close();
    }

    @BeforeEach
    void nameZkPath(TestInfo info) {
        zkPath = "/nerve/" + info.getTestMethod().orElseThrow().getName() + "/services";
    }
}
