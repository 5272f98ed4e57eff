package dev.smartstack.discovery.spring;

import dev.smartstack.discovery.core.DiscoveryMetrics;
import dev.smartstack.discovery.nerve.HealthCheck;
import dev.smartstack.discovery.nerve.NerveReporter;
import dev.smartstack.discovery.nerve.NerveService;
import java.util.Optional;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Registers the application as Nerve does, while its Actuator health is UP.
 *
 * <p>Its phase puts it inside the web server's life: it starts after the web server has started
 * (so the port is known and requests are served before anyone is told to send them), and it stops
 * before Spring Boot's graceful shutdown and the web server's stop: {@link #stop()} deletes the
 * znode, waits {@code smartstack.registration.drain-delay} while clients notice and requests in
 * flight finish, and only then lets the web server stop.
 */
final class SmartStackRegistration implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(SmartStackRegistration.class);

    /**
     * Stops before {@code WebServerGracefulShutdownLifecycle} ({@code DEFAULT_PHASE - 1024}) and
     * {@code WebServerStartStopLifecycle} ({@code DEFAULT_PHASE - 2048}); starts after them.
     */
    static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 512;

    private final SmartStackProperties properties;
    private final ZooKeeperConnection connection;
    private final Supplier<String> applicationName;
    private final Supplier<String> defaultHost;
    private final IntSupplier webServerPort;
    private final Supplier<HealthCheck> check;
    private final DiscoveryMetrics metrics;
    private volatile NerveReporter reporter;
    private volatile NerveService service;

    /**
     * @param applicationName spring.application.name, or null
     * @param webServerPort the web server's port, or -1 when there is none
     * @param check the health check, looked up at start (the health registry includes this bean's indicator)
     */
    SmartStackRegistration(SmartStackProperties properties, ZooKeeperConnection connection,
            Supplier<String> applicationName, Supplier<String> defaultHost, IntSupplier webServerPort,
            Supplier<HealthCheck> check, DiscoveryMetrics metrics) {
        this.properties = properties;
        this.connection = connection;
        this.applicationName = applicationName;
        this.defaultHost = defaultHost;
        this.webServerPort = webServerPort;
        this.check = check;
        this.metrics = metrics;
    }

    @Override
    public void start() {
        NerveService s = service();
        NerveReporter r = NerveReporter.builder()
                .curator(connection.client())
                .service(s)
                .drainDelay(properties.getRegistration().getDrainDelay())
                .metrics(metrics)
                .build();
        this.service = s;
        this.reporter = r.start();
        log.info("smartstack registers {} while actuator health is UP", s);
    }

    /** What to register, from {@code smartstack.registration.*} and the running application. */
    NerveService service() {
        SmartStackProperties.Registration p = properties.getRegistration();
        String name = p.getServiceName() != null ? p.getServiceName() : applicationName.get();
        if (name == null || name.isBlank()) {
            throw new IllegalStateException(
                    "smartstack.registration.service-name or spring.application.name is required to register");
        }
        String host = p.getHost() != null ? p.getHost() : defaultHost.get();
        int port = p.getPort() != null ? p.getPort() : webServerPort.getAsInt();
        if (port <= 0) {
            throw new IllegalStateException("smartstack.registration.port is required when the application has no "
                    + "web server (or smartstack.registration.enabled=false)");
        }
        String zkPath = p.getZkPath() != null ? p.getZkPath()
                : properties.getDiscovery().getPathTemplate().replace("{service}", name);
        NerveService.Builder b = NerveService.builder()
                .name(name)
                .instanceId(p.getInstanceId() != null ? p.getInstanceId() : host + "_" + port)
                .host(host)
                .port(port)
                .zkPath(zkPath)
                .check(check.get())
                .checkInterval(p.getCheckInterval())
                .rise(p.getRise())
                .fall(p.getFall())
                .labels(p.getLabels());
        if (p.getWeight() != null) {
            b.weight(p.getWeight());
        }
        return b.build();
    }

    @Override
    public void stop() {
        NerveReporter r = reporter;
        if (r != null) {
            // Deregisters, drains, then returns: the web server stops in a later phase.
            r.close();
            reporter = null;
        }
    }

    @Override
    public boolean isRunning() {
        return reporter != null;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    /** The registered service, once started. */
    Optional<NerveService> registeredService() {
        return Optional.ofNullable(service);
    }

    /** The znode's path while registered. */
    Optional<String> registeredPath() {
        NerveReporter r = reporter;
        NerveService s = service;
        return r == null || s == null ? Optional.empty() : r.registeredPath(s.name());
    }

    @Override
    public String toString() {
        return "SmartStackRegistration{" + service + "}";
    }
}
