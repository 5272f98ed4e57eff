package dev.smartstack.discovery.nerve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.core.ZooKeeperSettings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Ruby Nerve's {@code use_path_encoding} against a real ZooKeeper. */
class NervePathEncodingIT extends NerveZooKeeperBase {
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** Ruby: {@code "base64_#{encoded.length}_#{encoded}_"}, then ZooKeeper's 10-digit sequence. */
    private static final Pattern ENCODED = Pattern.compile("base64_(\\d+)_(.+)_(\\d{10})");

    private NerveReporter reporter;
    private CuratorFramework client;

    @BeforeEach
    void createZkPath() throws Exception {
        observer.create().creatingParentsIfNeeded().forPath(zkPath);
    }

    @AfterEach
    void tearDown() {
        if (reporter != null) {
            reporter.close();
        }
        if (client != null) {
            client.close();
        }
    }

    private NerveService.Builder service() {
        return NerveService.builder().name("web").instanceId("i-1").host("127.0.0.1").port(8080)
                .zkPath(zkPath).checkInterval(Duration.ofMillis(50)).usePathEncoding(true);
    }

    private List<String> children() throws Exception {
        return observer.getChildren().forPath(zkPath);
    }

    private byte[] data(String child) throws Exception {
        return observer.getData().forPath(zkPath + "/" + child);
    }

    /** Checks the name against the data as Ruby Nerve would have encoded it, computed here with the JDK. */
    private static void assertEncodes(String child, byte[] data) {
        String b64 = Base64.getUrlEncoder().encodeToString(data);
        Matcher m = ENCODED.matcher(child);
        assertThat(m.matches()).as(child).isTrue();
        assertThat(child).isEqualTo("base64_" + b64.length() + "_" + b64 + "_" + m.group(3));
        assertThat(Integer.parseInt(m.group(1))).isEqualTo(m.group(2).length());
        assertThat(Base64.getUrlDecoder().decode(m.group(2))).isEqualTo(data);
    }

    @Test
    void usePathEncoding_childNameIsTheUrlSafeBase64OfItsData_byteForByte() throws Exception {
        reporter = NerveReporter.builder().zooKeeper(ZooKeeperSettings.of(server.getConnectString()))
                .service(service().weight(7).labels(Map.of("az", "us-east-1a")).haproxyServerOptions("backup").build())
                .build().start();

        await().atMost(WAIT).until(() -> children().size() == 1);
        String child = children().get(0);
        byte[] data = data(child);
        String json = "{\"host\":\"127.0.0.1\",\"port\":8080,\"name\":\"i-1\",\"weight\":7,"
                + "\"haproxy_server_options\":\"backup\",\"labels\":{\"az\":\"us-east-1a\"}}";
        assertThat(new String(data, StandardCharsets.UTF_8)).isEqualTo(json);
        assertEncodes(child, data);
        // the fixed example, spelled out: the padding '=' and the url-safe alphabet stay in the name
        String b64 = Base64.getUrlEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8));
        assertThat(child).startsWith("base64_" + b64.length() + "_" + b64 + "_").endsWith("_0000000000");
        assertThat(reporter.registeredPath("web")).contains(zkPath + "/" + child);
    }

    @Test
    void update_pathEncoded_newNodeCreatedBeforeTheOldOneIsDeleted() throws Exception {
        RecordingListener events = new RecordingListener();
        NerveService web = service().weight(1).build();
        reporter = NerveReporter.builder().zooKeeper(ZooKeeperSettings.of(server.getConnectString())).listener(events)
                .service(web).build().start();
        await().atMost(WAIT).until(() -> children().size() == 1);
        String old = children().get(0);

        List<String> seen = new CopyOnWriteArrayList<>();
        observer.getZookeeperClient().getZooKeeper().addWatch(zkPath, e -> {
            if (e.getType() == Watcher.Event.EventType.None) {
                return;
            }
            seen.add(e.getType() + " " + e.getPath().substring(zkPath.length() + 1));
        }, AddWatchMode.PERSISTENT_RECURSIVE);

        ServiceInstance heavier = web.instance().toBuilder().weight(9).labels(Map.of("canary", "true")).build();
        reporter.update("web", heavier);

        await().atMost(WAIT).until(() -> children().size() == 1 && !children().get(0).equals(old));
        String neu = children().get(0);
        assertEncodes(neu, data(neu));
        assertThat(new String(data(neu), StandardCharsets.UTF_8)).contains("\"weight\":9").contains("\"canary\"");
        // events of one watch arrive in server order: the new node existed before the old one went
        await().atMost(WAIT).until(() -> seen.contains("NodeDeleted " + old));
        assertThat(seen).containsSubsequence("NodeCreated " + neu, "NodeDeleted " + old);
        assertThat(reporter.registeredPath("web")).contains(zkPath + "/" + neu);
        assertThat(events.events).containsSubsequence("registered " + zkPath + "/" + old,
                "registered " + zkPath + "/" + neu, "deregistered " + zkPath + "/" + old);
    }

    @Test
    void update_plainName_dataSetInPlace() throws Exception {
        NerveService web = service().usePathEncoding(false).build();
        reporter = NerveReporter.builder().zooKeeper(ZooKeeperSettings.of(server.getConnectString()))
                .service(web).build().start();
        await().atMost(WAIT).until(() -> children().size() == 1);
        String child = children().get(0);
        Stat before = observer.checkExists().forPath(zkPath + "/" + child);

        reporter.update("web", web.instance().toBuilder().weight(3).build());

        await().atMost(WAIT).until(() -> new String(data(child), StandardCharsets.UTF_8).contains("\"weight\":3"));
        assertThat(children()).containsExactly(child);
        assertThat(observer.checkExists().forPath(zkPath + "/" + child).getCzxid()).isEqualTo(before.getCzxid());
    }

    @Test
    void update_otherInstanceIdOrUnknownService_throws() {
        NerveService web = service().build();
        reporter = NerveReporter.builder().zooKeeper(ZooKeeperSettings.of(server.getConnectString()))
                .service(web).build();

        assertThatThrownBy(() -> reporter.update("web", ServiceInstance.of("i-2", "127.0.0.1", 8080)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("instance name must be \"i-1\" (the instanceId of service \"web\") but was \"i-2\"");
        assertThatThrownBy(() -> reporter.update("nope", web.instance()))
                .hasMessage("no service named \"nope\"; known: [web]");
    }

    @Test
    void sessionReplaced_pathEncoded_oldSessionNodeSweptExactlyOneLeft() throws Exception {
        // As NerveReporterIT's test of the same name: the old session stays alive on the server
        // through a second handle, so only the reporter's sweep can remove its node, which has an
        // encoded name (and, after an update, another one than the new registration's).
        client = ZooKeeperSettings.builder().connectString(server.getConnectString())
                .sessionTimeout(Duration.ofSeconds(30)).build().newClient();
        client.start();
        NerveService web = service().build();
        reporter = NerveReporter.builder().curator(client).service(web).build().start();
        await().atMost(WAIT).until(() -> children().size() == 1);
        reporter.update("web", web.instance().toBuilder().weight(4).build());
        await().atMost(WAIT).until(() -> children().size() == 1
                && new String(data(children().get(0)), StandardCharsets.UTF_8).contains("\"weight\":4"));
        String first = zkPath + "/" + children().get(0);
        org.apache.zookeeper.ZooKeeper old = client.getZookeeperClient().getZooKeeper();
        long oldSession = old.getSessionId();
        CountDownLatch cloneConnected = new CountDownLatch(1);
        org.apache.zookeeper.ZooKeeper clone = new org.apache.zookeeper.ZooKeeper(server.getConnectString(), 30_000,
                e -> {
                    if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                        cloneConnected.countDown();
                    }
                }, oldSession, old.getSessionPasswd());
        try {
            assertThat(cloneConnected.await(20, TimeUnit.SECONDS)).isTrue();
            // the next registration's data differs from the old node's, so does its name
            reporter.update("web", web.instance().toBuilder().weight(5).build());
            old.getTestable().injectSessionExpiration();

            await().atMost(WAIT).until(() -> {
                List<String> c = children();
                return c.size() == 1 && !(zkPath + "/" + c.get(0)).equals(first)
                        && observer.checkExists().forPath(zkPath + "/" + c.get(0)).getEphemeralOwner() != oldSession;
            });
            assertThat(clone.exists(first, false)).isNull();
            String child = children().get(0);
            assertEncodes(child, data(child));
            assertThat(new String(data(child), StandardCharsets.UTF_8)).contains("\"weight\":5");
        } finally {
            clone.close();
        }
    }
}
