package dev.smartstack.discovery.agent;

import static dev.smartstack.discovery.agent.NerveAgentIT.children;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.smartstack.discovery.agent.config.NerveConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.CuratorWatcher;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.WatchedEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGHUP reloads of nerve, in-process: only the services whose entry changed are touched. */
class NerveReloadIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static TestingServer zk;
    private static CuratorFramework observer;

    @TempDir
    Path dir;

    @BeforeAll
    static void startZooKeeper() throws Exception {
        zk = new TestingServer(true);
        observer = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(100));
        observer.start();
        observer.blockUntilConnected(30, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stopZooKeeper() throws Exception {
        observer.close();
        zk.close();
    }

    @Test
    void reload_oneOfTwoServicesChanged_otherKeepsItsZnodeReplacesChangedOne() throws Exception {
        Path file = dir.resolve("nerve.conf.json");
        write(file, "one", service("a", "/one/a", 8001) + "," + service("b", "/one/b", 8002));
        Daemon<NerveAgent, NerveConfig> daemon = daemon(file);
        daemon.begin(load(file));
        try {
            await().atMost(WAIT).until(() -> children(observer, "/one/a").size() == 1 && children(observer, "/one/b").size() == 1);
            String a = "/one/a/" + children(observer, "/one/a").get(0);
            String oldB = "/one/b/" + children(observer, "/one/b").get(0);
            long czxid = observer.checkExists().forPath(a).getCzxid();
            List<WatchedEvent> eventsOnA = watch(a);
            List<WatchedEvent> eventsOnOldB = watch(oldB);
            NerveAgent first = daemon.current();

            write(file, "one", service("a", "/one/a", 8001) + "," + service("b", "/one/b", 8003));
            daemon.reload();

            assertThat(daemon.current()).isSameAs(first);
            await().atMost(WAIT).until(() -> {
                List<String> b = children(observer, "/one/b");
                return b.size() == 1 && data("/one/b/" + b.get(0)).contains("\"port\":8003");
            });
            assertThat(eventsOnOldB).extracting(WatchedEvent::getType)
                    .containsExactly(org.apache.zookeeper.Watcher.Event.EventType.NodeDeleted);
            assertThat(observer.checkExists().forPath(a).getCzxid()).isEqualTo(czxid);
            assertThat(eventsOnA).isEmpty();
            assertThat(first.config().services().get("b").port()).isEqualTo(8003);
        } finally {
            daemon.stop();
        }
        assertThat(children(observer, "/one/a")).isEmpty();
        assertThat(children(observer, "/one/b")).isEmpty();
    }

    @Test
    void reload_addRemoveUnchangedInvalidAndNewInstanceId_touchOnlyWhatChanged() throws Exception {
        Path file = dir.resolve("nerve.conf.json");
        write(file, "two", service("a", "/two/a", 8001) + "," + service("b", "/two/b", 8002));
        Daemon<NerveAgent, NerveConfig> daemon = daemon(file);
        daemon.begin(load(file));
        try {
            await().atMost(WAIT).until(() -> children(observer, "/two/a").size() == 1 && children(observer, "/two/b").size() == 1);
            String a = "/two/a/" + children(observer, "/two/a").get(0);
            String b = "/two/b/" + children(observer, "/two/b").get(0);
            long czxidA = observer.checkExists().forPath(a).getCzxid();
            long czxidB = observer.checkExists().forPath(b).getCzxid();
            List<WatchedEvent> eventsOnA = watch(a);
            NerveAgent first = daemon.current();

            daemon.reload(); // unchanged
            Files.writeString(file, "{\"instance_id\": \"two\"}");
            daemon.reload(); // invalid: no services
            assertThat(daemon.current()).isSameAs(first);
            assertThat(observer.checkExists().forPath(b).getCzxid()).isEqualTo(czxidB);

            write(file, "two", service("a", "/two/a", 8001) + "," + service("c", "/two/c", 8004));
            daemon.reload(); // b removed, c added
            assertThat(daemon.current()).isSameAs(first);
            await().atMost(WAIT).until(() -> children(observer, "/two/c").size() == 1);
            assertThat(children(observer, "/two/b")).isEmpty();
            assertThat(first.isRegistered("b")).isFalse();
            assertThat(observer.checkExists().forPath(a).getCzxid()).isEqualTo(czxidA);
            assertThat(eventsOnA).isEmpty();

            write(file, "two-new", service("a", "/two/a", 8001) + "," + service("c", "/two/c", 8004));
            daemon.reload(); // instance_id changes every service: the agent is rebuilt
            assertThat(daemon.current()).isNotSameAs(first);
            await().atMost(WAIT).until(() -> children(observer, "/two/a").size() == 1
                    && children(observer, "/two/a").get(0).startsWith("two-new_"));
            assertThat(eventsOnA).extracting(WatchedEvent::getType)
                    .containsExactly(org.apache.zookeeper.Watcher.Event.EventType.NodeDeleted);
        } finally {
            daemon.stop();
        }
        assertThat(children(observer, "/two/c")).isEmpty();
    }

    private static Daemon<NerveAgent, NerveConfig> daemon(Path file) {
        return new Daemon<>("nerve", () -> load(file), NerveAgent::config, NerveAgent::start, NerveAgent::reconfigure);
    }

    private static NerveAgent load(Path file) {
        return NerveAgent.plan(NerveConfig.load(file, "nerve.conf.json", null), "nerve.conf.json");
    }

    private static void write(Path file, String instanceId, String services) throws Exception {
        Files.writeString(file, "{\"instance_id\": \"" + instanceId + "\", \"zk_session_timeout\": 4, \"services\": {"
                + services + "}}");
    }

    private static String service(String name, String path, int port) {
        return "\"" + name + "\": {\"host\": \"127.0.0.1\", \"port\": " + port + ", \"zk_hosts\": [\""
                + zk.getConnectString() + "\"], \"zk_path\": \"" + path + "\", \"check_interval\": 0.1}";
    }

    private static String data(String path) throws Exception {
        return new String(observer.getData().forPath(path), StandardCharsets.UTF_8);
    }

    /** Every event of a one-shot data watch on {@code path}, from the independent client. */
    private static List<WatchedEvent> watch(String path) throws Exception {
        List<WatchedEvent> events = new CopyOnWriteArrayList<>();
        CuratorWatcher watcher = events::add;
        assertThat(observer.checkExists().usingWatcher(watcher).forPath(path)).isNotNull();
        return events;
    }
}
