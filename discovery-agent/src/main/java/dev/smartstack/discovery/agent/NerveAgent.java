package dev.smartstack.discovery.agent;

import dev.smartstack.discovery.agent.config.ConfigException;
import dev.smartstack.discovery.agent.config.NerveConfig;
import dev.smartstack.discovery.core.ZooKeeperSettings;
import dev.smartstack.discovery.core.internal.NamedThreadFactory;
import dev.smartstack.discovery.nerve.HealthCheck;
import dev.smartstack.discovery.nerve.HealthChecks;
import dev.smartstack.discovery.nerve.NerveListener;
import dev.smartstack.discovery.nerve.NerveReporter;
import dev.smartstack.discovery.nerve.NerveService;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Nerve as the daemon runs it: one {@link NerveReporter} (and one ZooKeeper client) per distinct
 * {@code zk_hosts}, holding every service that uses those hosts, plus the heartbeat file.
 */
public final class NerveAgent implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NerveAgent.class);
    /** How often {@code heartbeat_path} is written. */
    static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(1);

    private final NerveConfig config;
    private final List<NerveReporter> reporters;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch closedLatch = new CountDownLatch(1);
    private ScheduledExecutorService heartbeat;

    private NerveAgent(NerveConfig config, List<NerveReporter> reporters) {
        this.config = config;
        this.reporters = reporters;
    }

    /**
     * Builds (without I/O) the reporters for {@code config}.
     *
     * @throws ConfigException when a value passes the config reader but not the reporter's checks
     */
    public static NerveAgent plan(NerveConfig config, String shownAs) {
        Map<String, List<NerveService>> byHosts = new LinkedHashMap<>();
        for (NerveConfig.Service s : config.services().values()) {
            NerveService service;
            try {
                service = toService(config, s);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(shownAs, "services." + s.name(), e.getMessage());
            }
            byHosts.computeIfAbsent(s.connectString(), k -> new ArrayList<>()).add(service);
        }
        List<NerveReporter> reporters = new ArrayList<>();
        Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
        NerveListener failureCounter = new NerveListener() {
            @Override
            public void registered(String service, String path) {
                failures.computeIfAbsent(service, k -> new AtomicInteger()).set(0);
            }

            @Override
            public void error(String service, Throwable error) {
                int n = failures.computeIfAbsent(service, k -> new AtomicInteger()).incrementAndGet();
                if (n == config.maxRepeatedReportFailures()) {
                    log.error("nerve '{}' failed to report {} times in a row; still retrying: {}", service, n,
                            error.getMessage());
                }
            }
        };
        byHosts.forEach((hosts, services) -> {
            NerveReporter.Builder b = NerveReporter.builder()
                    .zooKeeper(ZooKeeperSettings.builder().connectString(hosts)
                            .sessionTimeout(config.zkSessionTimeout()).build())
                    .listener(failureCounter);
            services.forEach(b::service);
            try {
                reporters.add(b.build());
            } catch (IllegalArgumentException e) {
                throw new ConfigException(shownAs, "services", e.getMessage());
            }
        });
        return new NerveAgent(config, reporters);
    }

    private static NerveService toService(NerveConfig config, NerveConfig.Service s) {
        NerveService.Builder b = NerveService.builder()
                .name(s.name()).instanceId(config.instanceId()).host(s.host()).port(s.port())
                .zkPath(s.zkPath()).checkInterval(s.checkInterval()).labels(s.labels())
                .nodeType(s.nodeType().equals("ephemeral") ? NerveService.NodeType.EPHEMERAL
                        : NerveService.NodeType.EPHEMERAL_SEQUENTIAL)
                .checkMocked(s.checkMocked());
        s.weight().ifPresent(b::weight);
        s.haproxyServerOptions().ifPresent(b::haproxyServerOptions);
        s.rateLimiting().ifPresent(r -> b.rateLimit(new NerveService.RateLimit(r.averageRate(), r.maxBurst(), r.shadowMode())));
        for (NerveConfig.Check c : s.checks()) {
            HealthCheck check = switch (c.type()) {
                case "http" -> HealthChecks.http().host(c.host()).port(c.port()).uri(c.uri().orElseThrow())
                        .timeout(c.timeout()).headers(c.headers()).expect(c.expect().orElse(null)).ssl(c.ssl()).build();
                case "tcp" -> HealthChecks.tcp(c.host(), c.port(), c.timeout());
                default -> new CommandCheck(c.name(), c.command(), c.timeout());
            };
            b.check(new NamedCheck(c.name(), check), c.rise(), c.fall());
        }
        return b.build();
    }

    /** One reporter, hence one ZooKeeper client, per distinct set of {@code zk_hosts}. */
    int reporterCount() {
        return reporters.size();
    }

    public NerveConfig config() {
        return config;
    }

    /** Starts every reporter and the heartbeat. */
    public NerveAgent start() {
        log.info("nerve starting: instance_id {}, services {}", config.instanceId(), config.services().keySet());
        reporters.forEach(NerveReporter::start);
        config.heartbeatPath().ifPresent(path -> {
            heartbeat = Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory("smartstack-nerve-heartbeat"));
            heartbeat.scheduleWithFixedDelay(() -> touch(path), 0, HEARTBEAT_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        });
        return this;
    }

    private static void touch(Path path) {
        try {
            Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
            Files.writeString(tmp, Long.toString(System.currentTimeMillis() / 1000) + "\n", StandardCharsets.US_ASCII);
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            log.warn("nerve cannot write heartbeat {}: {}", path, e.toString());
        }
    }

    /** Whether a service is registered right now. */
    public boolean isRegistered(String service) {
        return reporters.stream().anyMatch(r -> {
            try {
                return r.isRegistered(service);
            } catch (IllegalArgumentException e) {
                return false;
            }
        });
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitClosed() throws InterruptedException {
        closedLatch.await();
    }

    /** Deregisters every service and stops. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        log.info("nerve stopping: deregistering {}", config.services().keySet());
        if (heartbeat != null) {
            heartbeat.shutdownNow();
        }
        reporters.forEach(NerveReporter::close);
        log.info("nerve stopped");
        closedLatch.countDown();
    }
}
