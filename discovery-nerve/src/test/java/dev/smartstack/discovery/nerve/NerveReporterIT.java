package dev.smartstack.discovery.nerve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smartstack.discovery.core.CountingMetrics;
import dev.smartstack.discovery.core.DiscoveryMetrics;
import dev.smartstack.discovery.core.ZooKeeperSettings;
import dev.smartstack.discovery.core.internal.Listeners;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The registration lifecycle against a real in-process ZooKeeper. */
class NerveReporterIT extends NerveZooKeeperBase {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();

    private NerveReporter reporter;
    private CuratorFramework client;

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
                .zkPath(zkPath).checkInterval(Duration.ofMillis(50));
    }

    private CuratorFramework newClient(Duration sessionTimeout) {
        CuratorFramework c = ZooKeeperSettings.builder().connectString(server.getConnectString())
                .sessionTimeout(sessionTimeout).build().newClient();
        c.start();
        return c;
    }

    private List<String> children() throws Exception {
        if (observer.checkExists().forPath(zkPath) == null) {
            return List.of();
        }
        return observer.getChildren().forPath(zkPath);
    }

    private Stat stat(String path) throws Exception {
        return observer.checkExists().forPath(path);
    }

    @Test
    void start_healthyHttpBackend_writesZnodeAsRubyNerve() throws Exception {
        try (HealthServer backend = new HealthServer()) {
            reporter = NerveReporter.builder()
                    .zooKeeper(ZooKeeperSettings.of(server.getConnectString()))
                    .service(service().weight(7).labels(Map.of("az", "us-east-1a"))
                            .haproxyServerOptions("backup")
                            .check(HealthChecks.http().host("127.0.0.1").port(backend.port()).uri("/health")
                                    .timeout(Duration.ofSeconds(2)).expect("OK").build())
                            .build())
                    .build().start();

            await().atMost(WAIT).until(() -> children().size() == 1);
            String child = children().get(0);
            assertThat(child).isEqualTo("i-1_0000000000");
            String path = zkPath + "/" + child;
            JsonNode json = JSON.readTree(observer.getData().forPath(path));
            assertThat(json.toString()).isEqualTo(
                    "{\"host\":\"127.0.0.1\",\"port\":8080,\"name\":\"i-1\",\"weight\":7,"
                            + "\"haproxy_server_options\":\"backup\",\"labels\":{\"az\":\"us-east-1a\"}}");
            assertThat(stat(path).getEphemeralOwner()).isNotZero();
            assertThat(reporter.isRegistered("web")).isTrue();
            assertThat(reporter.registeredPath("web")).contains(path);
        }
    }

    @Test
    void healthFlips_failsFallTimes_deletesThenRegistersAgain() throws Exception {
        try (HealthServer backend = new HealthServer()) {
            RecordingListener events = new RecordingListener();
            CountingMetrics metrics = new CountingMetrics();
            client = newClient(Duration.ofSeconds(10));
            reporter = NerveReporter.builder().curator(client).listener(events).metrics(metrics)
                    .service(service().rise(2).fall(3)
                            .check(HealthChecks.http().host("127.0.0.1").port(backend.port()).uri("/health")
                                    .timeout(Duration.ofSeconds(2)).build())
                            .build())
                    .build().start();
            await().atMost(WAIT).until(() -> children().size() == 1);
            String first = children().get(0);

            backend.healthy.set(false);
            int before = backend.requests.get();
            await().atMost(WAIT).until(() -> children().isEmpty());
            // the third failure deletes: requests made since the flip are at least fall (3)
            assertThat(backend.requests.get() - before).isGreaterThanOrEqualTo(3);

            backend.healthy.set(true);
            await().atMost(WAIT).until(() -> children().size() == 1);
            assertThat(children().get(0)).isNotEqualTo(first).startsWith("i-1_");
            assertThat(events.events).containsSubsequence("up web", "registered " + zkPath + "/" + first,
                    "down web: GET http://127.0.0.1:" + backend.port() + "/health returned 503",
                    "deregistered " + zkPath + "/" + first, "up web");
            assertThat(events.threads).allMatch(t -> t.startsWith("smartstack-nerve-web-"));
            // each check run is timed, tagged with its result, and each failed one is counted
            Map<String, Long> counts = metrics.snapshot();
            assertThat(counts.get("smartstack.nerve.check.latency{service=web,detail=healthy}")).isGreaterThanOrEqualTo(4);
            assertThat(counts.get("smartstack.nerve.check.latency{service=web,detail=unhealthy}")).isGreaterThanOrEqualTo(3);
            assertThat(metrics.count(DiscoveryMetrics.CHECK_FAILED, "web")).isGreaterThanOrEqualTo(3);
        }
    }

    @Test
    void riseAndFall_countedPerCheckRound() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        AtomicBoolean healthy = new AtomicBoolean(true);
        AtomicInteger callsAtRegistration = new AtomicInteger();
        AtomicInteger callsAtDeregistration = new AtomicInteger();
        AtomicInteger callsAtFlip = new AtomicInteger(-1);
        HealthCheck check = () -> {
            int n = calls.incrementAndGet();
            if (!healthy.get() && callsAtFlip.get() < 0) {
                callsAtFlip.set(n - 1);
            }
            return healthy.get() ? HealthResult.ok() : HealthResult.unhealthy("flipped");
        };
        // Connected before the first round, so that registration waits for nothing but rise.
        client = newClient(Duration.ofSeconds(10));
        assertThat(client.blockUntilConnected(20, TimeUnit.SECONDS)).isTrue();
        // Counted at the decision (up/down, on the check thread): the registration follows on its
        // own thread, while the next rounds of checks already run.
        reporter = NerveReporter.builder().curator(client)
                .listener(new NerveListener() {
                    @Override
                    public void up(String service) {
                        callsAtRegistration.set(calls.get());
                    }

                    @Override
                    public void down(String service, String reason) {
                        callsAtDeregistration.set(calls.get());
                    }
                })
                .service(service().rise(3).fall(4).check(check).build())
                .build().start();
        await().atMost(WAIT).until(() -> reporter.isRegistered("web"));
        assertThat(callsAtRegistration.get()).isEqualTo(3);
        healthy.set(false);
        await().atMost(WAIT).until(() -> !reporter.isRegistered("web"));
        assertThat(callsAtDeregistration.get() - callsAtFlip.get()).isEqualTo(4);
    }

    @Test
    void twoChecks_oneFails_serviceDown() throws Exception {
        AtomicBoolean second = new AtomicBoolean(true);
        reporter = NerveReporter.builder().zooKeeper(ZooKeeperSettings.of(server.getConnectString()))
                .service(service().check(HealthResult::ok)
                        .check(() -> second.get() ? HealthResult.ok() : HealthResult.unhealthy("no")).build())
                .build().start();
        await().atMost(WAIT).until(() -> children().size() == 1);
        second.set(false);
        await().atMost(WAIT).until(() -> children().isEmpty());
    }

    @Test
    void nodeTypeEphemeral_writesInstanceIdAsName() throws Exception {
        reporter = NerveReporter.builder().zooKeeper(ZooKeeperSettings.of(server.getConnectString()))
                .service(service().nodeType(NerveService.NodeType.EPHEMERAL).build())
                .build().start();
        await().atMost(WAIT).until(() -> children().equals(List.of("i-1")));
        assertThat(stat(zkPath + "/i-1").getEphemeralOwner()).isNotZero();
    }

    @Test
    void checkMocked_failingCheck_registers() throws Exception {
        reporter = NerveReporter.builder().zooKeeper(ZooKeeperSettings.of(server.getConnectString()))
                .service(service().checkMocked(true).check(() -> HealthResult.unhealthy("never run")).build())
                .build().start();
        await().atMost(WAIT).until(() -> children().size() == 1);
    }

    @Test
    void check_throws_countsAsFailure() throws Exception {
        AtomicBoolean boom = new AtomicBoolean(false);
        RecordingListener events = new RecordingListener();
        reporter = NerveReporter.builder().zooKeeper(ZooKeeperSettings.of(server.getConnectString())).listener(events)
                .service(service().check(() -> {
                    if (boom.get()) {
                        throw new IllegalStateException("boom");
                    }
                    return HealthResult.ok();
                }).build())
                .build().start();
        await().atMost(WAIT).until(() -> children().size() == 1);
        boom.set(true);
        await().atMost(WAIT).until(() -> children().isEmpty());
        assertThat(events.events).anyMatch(e -> e.startsWith("down web: check ") && e.endsWith(" threw java.lang.IllegalStateException: boom"));
    }

    @Test
    void check_hangs_countsAsFailureAndReporterKeepsRunning() throws Exception {
        AtomicBoolean hang = new AtomicBoolean(false);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger hungRuns = new AtomicInteger();
        RecordingListener events = new RecordingListener();
        HealthCheck check = new HealthCheck() {
            @Override
            public HealthResult check() {
                if (hang.get()) {
                    hungRuns.incrementAndGet();
                    try {
                        release.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        // cancelled by the reporter; keep hanging to prove it is not run again meanwhile
                        try {
                            release.await(60, TimeUnit.SECONDS);
                        } catch (InterruptedException again) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    return HealthResult.ok();
                }
                return HealthResult.ok();
            }

            @Override
            public Duration timeout() {
                return Duration.ofMillis(200);
            }

            @Override
            public String toString() {
                return "sleepy";
            }
        };
        reporter = NerveReporter.builder().zooKeeper(ZooKeeperSettings.of(server.getConnectString())).listener(events)
                .service(service().fall(2).check(check).build())
                .build().start();
        await().atMost(WAIT).until(() -> children().size() == 1);
        hang.set(true);
        await().atMost(WAIT).until(() -> children().isEmpty());
        assertThat(events.events).contains("down web: check sleepy is still running after its timeout of 200 ms");
        assertThat(hungRuns.get()).isEqualTo(1);
        hang.set(false);
        release.countDown();
        await().atMost(WAIT).until(() -> children().size() == 1);
    }

    @Test
    void rateLimit_noTokenLeft_holdsTransitionBack() throws Exception {
        AtomicBoolean healthy = new AtomicBoolean(true);
        AtomicInteger rounds = new AtomicInteger();
        reporter = NerveReporter.builder().zooKeeper(ZooKeeperSettings.of(server.getConnectString()))
                .service(service().rateLimit(new NerveService.RateLimit(0.001, 1, false)).check(() -> {
                    rounds.incrementAndGet();
                    return healthy.get() ? HealthResult.ok() : HealthResult.unhealthy("no");
                }).build())
                .build().start();
        await().atMost(WAIT).until(() -> children().size() == 1);
        healthy.set(false);
        int after = rounds.get();
        await().atMost(WAIT).until(() -> rounds.get() >= after + 10);
        assertThat(children()).hasSize(1);
    }

    @Test
    void rateLimitShadowMode_noTokenLeft_transitionHappens() throws Exception {
        AtomicBoolean healthy = new AtomicBoolean(true);
        reporter = NerveReporter.builder().zooKeeper(ZooKeeperSettings.of(server.getConnectString()))
                .service(service().rateLimit(new NerveService.RateLimit(0.001, 1, true))
                        .check(() -> healthy.get() ? HealthResult.ok() : HealthResult.unhealthy("no")).build())
                .build().start();
        await().atMost(WAIT).until(() -> children().size() == 1);
        healthy.set(false);
        await().atMost(WAIT).until(() -> children().isEmpty());
    }

    @Test
    void listener_throws_reporterCarriesOn() throws Exception {
        RecordingListener events = new RecordingListener();
        reporter = NerveReporter.builder().zooKeeper(ZooKeeperSettings.of(server.getConnectString()))
                .listener(new NerveListener() {
                    @Override
                    public void up(String service) {
                        throw new IllegalStateException("bad listener");
                    }

                    @Override
                    public void registered(String service, String path) {
                        throw new IllegalStateException("bad listener");
                    }
                })
                .listener(events)
                .service(service().build())
                .build().start();
        await().atMost(WAIT).until(() -> children().size() == 1);
        reporter.maintenance(true);
        await().atMost(WAIT).until(() -> children().isEmpty());
        String node = zkPath + "/i-1_0000000000";
        await().atMost(WAIT).until(() -> events.events.size() == 3);
        assertThat(events.events).containsExactly("up web", "registered " + node, "deregistered " + node);
    }

    @Test
    void register_digestAclSettings_nodeReadableByAllDeletableOnlyByUs() throws Exception {
        // Its own root: the parents get the same ACL, which must not lock other tests out of /nerve.
        zkPath = "/acl/services";
        reporter = NerveReporter.builder()
                .zooKeeper(ZooKeeperSettings.builder().connectString(server.getConnectString())
                        .digest("nerve", "secret").creatorAllWorldRead().build())
                .service(service().build())
                .build().start();
        await().atMost(WAIT).until(() -> children().size() == 1);
        String node = zkPath + "/" + children().get(0);
        List<org.apache.zookeeper.data.ACL> acl = observer.getACL().forPath(node);
        assertThat(acl).extracting(a -> a.getId().getScheme()).containsExactlyInAnyOrder("digest", "world");
        assertThat(observer.getData().forPath(node)).isNotEmpty();
        assertThatThrownBy(() -> observer.delete().forPath(node))
                .isInstanceOf(org.apache.zookeeper.KeeperException.NoAuthException.class);
        reporter.close();
        assertThat(children()).isEmpty();
    }

    @Test
    void maintenance_takesOutAndPutsBack() throws Exception {
        reporter = NerveReporter.builder().zooKeeper(ZooKeeperSettings.of(server.getConnectString()))
                .service(service().build())
                .build().start();
        await().atMost(WAIT).until(() -> children().size() == 1);
        reporter.maintenance("web", true);
        await().atMost(WAIT).until(() -> children().isEmpty());
        assertThat(reporter.isRegistered("web")).isFalse();
        reporter.maintenance(false);
        await().atMost(WAIT).until(() -> children().size() == 1);
        assertThatThrownBy(() -> reporter.maintenance("nope", true))
                .hasMessage("no service named \"nope\"; known: [web]");
    }

    @Test
    void maintenance_whileUnhealthy_staysDeregisteredUntilHealthy() throws Exception {
        AtomicBoolean healthy = new AtomicBoolean(false);
        AtomicInteger rounds = new AtomicInteger();
        reporter = NerveReporter.builder().zooKeeper(ZooKeeperSettings.of(server.getConnectString()))
                .service(service().check(() -> {
                    rounds.incrementAndGet();
                    return healthy.get() ? HealthResult.ok() : HealthResult.unhealthy("no");
                }).build())
                .build().start();
        reporter.maintenance(false);
        await().atMost(WAIT).until(() -> rounds.get() > 5);
        assertThat(children()).isEmpty();
        healthy.set(true);
        await().atMost(WAIT).until(() -> children().size() == 1);
    }

    @Test
    void close_deregistersBeforeDrainDelay() throws Exception {
        CountingMetrics metrics = new CountingMetrics();
        reporter = NerveReporter.builder().zooKeeper(ZooKeeperSettings.of(server.getConnectString()))
                .drainDelay(Duration.ofSeconds(3)).metrics(metrics)
                .service(service().build())
                .build().start();
        await().atMost(WAIT).until(() -> children().size() == 1);
        NerveReporter r = reporter;
        CompletableFuture<Void> closing = CompletableFuture.runAsync(r::close);
        await().atMost(WAIT).until(() -> children().isEmpty());
        assertThat(closing).isNotDone();
        closing.get(20, TimeUnit.SECONDS);
        assertThat(metrics.count(DiscoveryMetrics.REGISTERED, "web")).isEqualTo(1);
        assertThat(metrics.count(DiscoveryMetrics.DEREGISTERED, "web")).isEqualTo(1);
        r.close();
    }

    @Test
    void close_borrowedClient_leftOpen() throws Exception {
        client = newClient(Duration.ofSeconds(10));
        reporter = NerveReporter.builder().curator(client).service(service().build()).build().start();
        await().atMost(WAIT).until(() -> children().size() == 1);
        reporter.close();
        assertThat(children()).isEmpty();
        assertThat(client.getZookeeperClient().isConnected()).isTrue();
        client.create().forPath(zkPath + "/still-usable");
    }

    @Test
    void start_twice_throws() {
        reporter = NerveReporter.builder().zooKeeper(ZooKeeperSettings.of(server.getConnectString()))
                .service(service().build()).build().start();
        assertThatThrownBy(reporter::start).isInstanceOf(IllegalStateException.class)
                .hasMessage("NerveReporter can be started only once; it is STARTED");
        reporter.close();
        reporter.close();
    }

    @Test
    void sessionExpired_registersAgainAndLeavesExactlyOneNode() throws Exception {
        // A long session: the server keeps the old session's node for 30 s unless we delete it.
        client = newClient(Duration.ofSeconds(30));
        RecordingListener events = new RecordingListener();
        reporter = NerveReporter.builder().curator(client).listener(events)
                .service(service().build()).build().start();
        await().atMost(WAIT).until(() -> children().size() == 1);
        String first = zkPath + "/" + children().get(0);
        long oldSession = stat(first).getEphemeralOwner();

        client.getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();

        await().atMost(WAIT).until(() -> {
            List<String> c = children();
            if (c.size() != 1) {
                return false;
            }
            Stat s = stat(zkPath + "/" + c.get(0));
            return s != null && s.getEphemeralOwner() != oldSession;
        });
        String second = zkPath + "/" + children().get(0);
        assertThat(second).isNotEqualTo(first);
        assertThat(JSON.readTree(observer.getData().forPath(second)).get("name").asText()).isEqualTo("i-1");
        assertThat(reporter.registeredPath("web")).contains(second);
        assertThat(events.events).contains("registered " + second);
    }

    @Test
    void sessionReplaced_oldSessionStillAliveOnServer_staleNodeDeleted() throws Exception {
        // The client gives up on its session while the server still holds it (a partition): the old
        // node would stay for the whole session timeout. A second handle on the same session keeps
        // it alive, so only the reporter's sweep can remove that node.
        client = newClient(Duration.ofSeconds(30));
        reporter = NerveReporter.builder().curator(client).service(service().build()).build().start();
        await().atMost(WAIT).until(() -> children().size() == 1);
        String first = zkPath + "/" + children().get(0);
        org.apache.zookeeper.ZooKeeper old = client.getZookeeperClient().getZooKeeper();
        long oldSession = old.getSessionId();
        CountDownLatch cloneConnected = new CountDownLatch(1);
        org.apache.zookeeper.ZooKeeper clone = new org.apache.zookeeper.ZooKeeper(server.getConnectString(), 30_000,
                e -> {
                    if (e.getState() == org.apache.zookeeper.Watcher.Event.KeeperState.SyncConnected) {
                        cloneConnected.countDown();
                    }
                }, oldSession, old.getSessionPasswd());
        try {
            assertThat(cloneConnected.await(20, TimeUnit.SECONDS)).isTrue();
            old.getTestable().injectSessionExpiration();

            await().atMost(WAIT).until(() -> {
                List<String> c = children();
                return c.size() == 1 && !(zkPath + "/" + c.get(0)).equals(first);
            });
            assertThat(clone.getState().isAlive()).isTrue();
            assertThat(clone.exists(first, false)).isNull();
            assertThat(stat(zkPath + "/" + children().get(0)).getEphemeralOwner()).isNotEqualTo(oldSession);
        } finally {
            clone.close();
        }
    }

    @Test
    void register_duplicateOfOwnSession_removed() throws Exception {
        // A create that succeeded but whose response was lost leaves a second node of our session.
        client = newClient(Duration.ofSeconds(10));
        AtomicReference<String> orphan = new AtomicReference<>();
        client.create().creatingParentContainersIfNeeded().forPath(zkPath);
        orphan.set(client.create().withMode(CreateMode.EPHEMERAL_SEQUENTIAL).forPath(zkPath + "/i-1_", new byte[0]));
        reporter = NerveReporter.builder().curator(client).service(service().build()).build().start();
        await().atMost(WAIT).until(() -> children().size() == 1 && stat(orphan.get()) == null);
    }

    @Test
    void unhealthyFromTheStart_nodeOfOurSessionUnderOurName_deleted() throws Exception {
        // A node of ours that the reporter does not know about (a create whose response was lost,
        // or an earlier reporter on the same client) must not keep a down instance in rotation.
        client = newClient(Duration.ofSeconds(10));
        client.create().creatingParentContainersIfNeeded().forPath(zkPath);
        String orphan = client.create().withMode(CreateMode.EPHEMERAL_SEQUENTIAL).forPath(zkPath + "/i-1_", new byte[0]);
        String other = client.create().withMode(CreateMode.EPHEMERAL_SEQUENTIAL).forPath(zkPath + "/i-2_", new byte[0]);
        AtomicInteger rounds = new AtomicInteger();
        reporter = NerveReporter.builder().curator(client)
                .service(service().check(() -> {
                    rounds.incrementAndGet();
                    return HealthResult.unhealthy("no");
                }).build())
                .build().start();
        await().atMost(WAIT).until(() -> stat(orphan) == null);
        int after = rounds.get();
        await().atMost(WAIT).until(() -> rounds.get() > after + 3);
        assertThat(children()).containsExactly(other.substring(zkPath.length() + 1));
        assertThat(reporter.isRegistered("web")).isFalse();
    }

    @Test
    void check_timedOutBeforeItStarted_runsAgainNextRound() throws Exception {
        // On a busy machine the pool may start a check only after its timeout has passed. The
        // reporter cancelled it, a cancelled task never ran its finally, and every later round said
        // "still running": the service stayed down for good.
        client = newClient(Duration.ofSeconds(10));
        Listeners<NerveListener> listeners = new Listeners<>();
        RecordingListener events = new RecordingListener();
        listeners.add(events);
        AtomicInteger submitted = new AtomicInteger();
        java.util.concurrent.ExecutorService lateFirstStart = new java.util.concurrent.AbstractExecutorService() {
            private volatile boolean shut;

            @Override
            public void execute(Runnable task) {
                boolean first = submitted.incrementAndGet() == 1;
                Thread t = new Thread(() -> {
                    if (first) {
                        // Starts only once the reporter has given up on it.
                        await().atMost(WAIT).until(() -> ((java.util.concurrent.Future<?>) task).isDone());
                    }
                    task.run();
                }, "late-check-" + submitted.get());
                t.setDaemon(true);
                t.start();
            }

            @Override
            public void shutdown() {
                shut = true;
            }

            @Override
            public List<Runnable> shutdownNow() {
                shut = true;
                return List.of();
            }

            @Override
            public boolean isShutdown() {
                return shut;
            }

            @Override
            public boolean isTerminated() {
                return shut;
            }

            @Override
            public boolean awaitTermination(long timeout, TimeUnit unit) {
                return true;
            }
        };
        NerveService web = service().check(new HealthCheck() {
            @Override
            public HealthResult check() {
                return HealthResult.ok();
            }

            @Override
            public Duration timeout() {
                return Duration.ofMillis(100);
            }
        }).build();
        ServiceReporter r = new ServiceReporter(web, client, listeners, DiscoveryMetrics.NOOP, System::nanoTime,
                lateFirstStart);
        r.start();
        try {
            await().atMost(WAIT).until(() -> children().size() == 1);
            assertThat(submitted.get()).isGreaterThan(1);
            assertThat(events.events).doesNotContain("down web: check " + web.checkEntries().get(0).check()
                    + " is still running after its timeout of 100 ms");
        } finally {
            r.deregisterForClose(Duration.ofSeconds(5));
            r.shutdown();
        }
    }
}
