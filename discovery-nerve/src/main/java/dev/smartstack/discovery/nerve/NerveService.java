package dev.smartstack.discovery.nerve;

import dev.smartstack.discovery.core.NerveCodec;
import dev.smartstack.discovery.core.PathEncoding;
import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.core.Validation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One service that a {@link NerveReporter} checks and registers: what to advertise (host, port,
 * instance id, weight, labels, {@code haproxy_server_options}), where ({@code zkPath}), and how to
 * decide it is up (checks, interval, rise and fall).
 *
 * <pre>{@code
 * NerveService web = NerveService.builder()
 *         .name("web").instanceId("web-1").host("10.0.0.5").port(8080)
 *         .zkPath("/nerve/services/web/services")
 *         .check(HealthChecks.http("127.0.0.1", 8080, "/health"))
 *         .build();
 * }</pre>
 *
 * <p>Each check has its own rise and fall counters, as in Ruby Nerve (by default the service's
 * {@link Builder#rise(int)} and {@link Builder#fall(int)}); the service is up when every check is
 * up. Unlike Ruby Nerve, whose first check result counts at once, a service starts down and needs
 * {@code rise} passes before it is registered. A service with no checks is up.
 */
public final class NerveService {
    /** Default pause between rounds of checks: 500 ms, as in Ruby Nerve. */
    public static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofMillis(500);

    /** How the registration znode is created. */
    public enum NodeType {
        /** {@code <zk_path>/<instance_id>_NNNNNNNNNN}, as Ruby Nerve does by default. */
        EPHEMERAL_SEQUENTIAL,
        /** {@code <zk_path>/<instance_id>}. */
        EPHEMERAL,
        /** Ruby's {@code persistent}: {@code <instance_id>_}; deleted when down or closed, outlives a crash, taken over on restart. */
        PERSISTENT,
        /** Ruby's {@code persistent_sequential}: {@code <instance_id>_NNNNNNNNNN}, cleaned up as {@link #PERSISTENT}. */
        PERSISTENT_SEQUENTIAL;

        /** Whether ZooKeeper appends a sequence number to the name. */
        public boolean sequential() {
            return this == EPHEMERAL_SEQUENTIAL || this == PERSISTENT_SEQUENTIAL;
        }

        /** Whether the node outlives its session. */
        public boolean persistent() {
            return this == PERSISTENT || this == PERSISTENT_SEQUENTIAL;
        }
    }

    /**
     * Ruby Nerve's {@code rate_limiting}: a token bucket on status transitions. A transition that
     * finds no token is held back until one is available, or, in shadow mode, only logged.
     *
     * @param averageRate tokens added per second, positive
     * @param maxBurst the bucket's size, at least 1
     * @param shadowMode log what would be limited, but limit nothing
     */
    public record RateLimit(double averageRate, int maxBurst, boolean shadowMode) {
        public RateLimit {
            if (!(averageRate > 0) || Double.isInfinite(averageRate)) {
                throw new IllegalArgumentException("averageRate must be positive but was " + averageRate);
            }
            if (maxBurst < 1) {
                throw new IllegalArgumentException("maxBurst must be at least 1 but was " + maxBurst);
            }
        }
    }

    /** A check with its rise and fall counts. */
    record CheckEntry(HealthCheck check, int rise, int fall) {
    }

    private final String name;
    private final ServiceInstance instance;
    private final String zkPath;
    private final List<CheckEntry> checks;
    private final Duration checkInterval;
    private final NodeType nodeType;
    private final boolean checkMocked;
    private final RateLimit rateLimit;
    private final boolean usePathEncoding;
    private final Duration ttl;

    private NerveService(Builder b, ServiceInstance instance, List<CheckEntry> checks) {
        this.name = b.name;
        this.instance = instance;
        this.zkPath = b.zkPath;
        this.checks = List.copyOf(checks);
        this.checkInterval = b.checkInterval;
        this.nodeType = b.nodeType;
        this.checkMocked = b.checkMocked;
        this.rateLimit = b.rateLimit;
        this.usePathEncoding = b.usePathEncoding;
        this.ttl = b.ttl;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The service name, used in logs, metrics and thread names. */
    public String name() {
        return name;
    }

    /** What is written to the znode; its {@code name} is the instance id. */
    public ServiceInstance instance() {
        return instance;
    }

    public String instanceId() {
        return instance.name();
    }

    public String zkPath() {
        return zkPath;
    }

    public Duration checkInterval() {
        return checkInterval;
    }

    public NodeType nodeType() {
        return nodeType;
    }

    public boolean checkMocked() {
        return checkMocked;
    }

    public Optional<RateLimit> rateLimit() {
        return Optional.ofNullable(rateLimit);
    }

    /** Whether the znode's name carries its data (Ruby Nerve's {@code use_path_encoding}). */
    public boolean usePathEncoding() {
        return usePathEncoding;
    }

    /** How often a persistent node's data is re-written (Ruby Nerve's {@code ttl_seconds}), if at all. */
    public Optional<Duration> ttl() {
        return Optional.ofNullable(ttl);
    }

    /** The checks, in order. */
    public List<HealthCheck> checks() {
        return checks.stream().map(CheckEntry::check).toList();
    }

    List<CheckEntry> checkEntries() {
        return checks;
    }

    /**
     * The path of the znode this service creates, for its {@link #instance()}: without path
     * encoding {@code <zk_path>/<instance_id>_} (ZooKeeper appends the sequence; no {@code _} for
     * {@link NodeType#EPHEMERAL}); with it, {@code <zk_path>/base64_<L>_<B64>_} from
     * {@link PathEncoding#childPrefix}, falling back to the former when the data is too long.
     */
    public String nodePrefix() {
        return nodePrefix(instance);
    }

    /** {@link #nodePrefix()} for other data of the same instance (after a run-time update). */
    String nodePrefix(ServiceInstance data) {
        String parent = zkPath.equals("/") ? "/" : zkPath + "/";
        if (usePathEncoding) {
            Optional<String> encoded = PathEncoding.childPrefix(NerveCodec.encode(data));
            if (encoded.isPresent()) {
                return parent + encoded.get();
            }
        }
        // Ruby names every type <instance_id>_; our EPHEMERAL has always been <instance_id>.
        return nodeType == NodeType.EPHEMERAL ? parent + instanceId() : parent + instanceId() + "_";
    }

    @Override
    public String toString() {
        return "NerveService{" + name + " " + instance.name() + "@" + instance.address() + " -> " + zkPath + "}";
    }

    /** Builds a {@link NerveService}. Required: name, instanceId, host, port, zkPath. */
    public static final class Builder {
        private String name;
        private String instanceId;
        private String host;
        private int port;
        private String zkPath;
        private final List<HealthCheck> checks = new ArrayList<>();
        private final List<Integer> checkRise = new ArrayList<>();
        private final List<Integer> checkFall = new ArrayList<>();
        private Duration checkInterval = DEFAULT_CHECK_INTERVAL;
        private int rise = 1;
        private int fall = 1;
        private OptionalInt weight = OptionalInt.empty();
        private Map<String, String> labels = Map.of();
        private String haproxyServerOptions;
        private NodeType nodeType = NodeType.EPHEMERAL_SEQUENTIAL;
        private boolean checkMocked;
        private RateLimit rateLimit;
        private boolean usePathEncoding;
        private Duration ttl;

        private Builder() {
        }

        /** Required: the service name ({@code [A-Za-z0-9._:@-]}, at most 200). */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** Required: the instance id, written as {@code name} and used as the znode prefix. */
        public Builder instanceId(String instanceId) {
            this.instanceId = instanceId;
            return this;
        }

        /** Required: the host to advertise. */
        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** Required: the port to advertise, 1 to 65535. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Required: the absolute parent path of the registrations; parents are created as needed. */
        public Builder zkPath(String zkPath) {
            this.zkPath = zkPath;
            return this;
        }

        /** Adds a check that uses the service's rise and fall. Default: no checks (always up). */
        public Builder check(HealthCheck check) {
            return addCheck(check, null, null);
        }

        /** Adds a check with its own rise and fall counts (Ruby Nerve's per-check {@code rise}/{@code fall}). */
        public Builder check(HealthCheck check, int rise, int fall) {
            return addCheck(check, rise, fall);
        }

        /** Adds checks that use the service's rise and fall. */
        public Builder checks(List<? extends HealthCheck> checks) {
            Objects.requireNonNull(checks, "checks == null").forEach(this::check);
            return this;
        }

        private Builder addCheck(HealthCheck check, Integer rise, Integer fall) {
            checks.add(Objects.requireNonNull(check, "check == null"));
            checkRise.add(rise);
            checkFall.add(fall);
            return this;
        }

        /** Pause between rounds of checks. Default 500 ms. */
        public Builder checkInterval(Duration checkInterval) {
            this.checkInterval = Objects.requireNonNull(checkInterval, "checkInterval == null");
            return this;
        }

        /** Consecutive passes before a check is up. Default 1. */
        public Builder rise(int rise) {
            this.rise = rise;
            return this;
        }

        /** Consecutive failures before a check is down. Default 1. */
        public Builder fall(int fall) {
            this.fall = fall;
            return this;
        }

        /** Optional weight, 0 to 256. Default none. */
        public Builder weight(int weight) {
            this.weight = OptionalInt.of(weight);
            return this;
        }

        /** Optional labels. Default none. */
        public Builder labels(Map<String, String> labels) {
            this.labels = Objects.requireNonNull(labels, "labels == null");
            return this;
        }

        /** Optional {@code haproxy_server_options}. Default none. */
        public Builder haproxyServerOptions(String haproxyServerOptions) {
            this.haproxyServerOptions = haproxyServerOptions;
            return this;
        }

        /** Default {@link NodeType#EPHEMERAL_SEQUENTIAL}. */
        public Builder nodeType(NodeType nodeType) {
            this.nodeType = Objects.requireNonNull(nodeType, "nodeType == null");
            return this;
        }

        /** Always up, whatever the checks say (they are not run). Default false. */
        public Builder checkMocked(boolean checkMocked) {
            this.checkMocked = checkMocked;
            return this;
        }

        /** A token bucket on status transitions. Default none. */
        public Builder rateLimit(RateLimit rateLimit) {
            this.rateLimit = Objects.requireNonNull(rateLimit, "rateLimit == null");
            return this;
        }

        /**
         * Ruby Nerve's {@code use_path_encoding}: name the znode {@code base64_<L>_<B64>_} after
         * its JSON (still written as its data too), so that a watcher learns a new backend without
         * reading it. When the data changes at run time the node is created again under its new
         * name before the old one is deleted. Default false: {@code <instance_id>_}.
         */
        public Builder usePathEncoding(boolean usePathEncoding) {
            this.usePathEncoding = usePathEncoding;
            return this;
        }

        /**
         * Ruby's {@code ttl_seconds}, persistent types only: re-write the node's data every {@code ttl}
         * (first after a random part of it), so that an outside reaper can tell live nodes by their
         * mtime. Plain persistent nodes, as in Ruby, not ZooKeeper's TTL nodes. Default none.
         */
        public Builder ttl(Duration ttl) {
            this.ttl = Objects.requireNonNull(ttl, "ttl == null");
            return this;
        }

        /**
         * Validates every setting; does no I/O.
         *
         * @throws IllegalArgumentException naming the setting and showing the bad value
         */
        public NerveService build() {
            Validation.requireValidName("name", name);
            Validation.requireValidName("instanceId", instanceId);
            Validation.requireValidHost(host);
            Validation.requireValidPort(port);
            if (zkPath == null) {
                throw new IllegalArgumentException("zkPath == null");
            }
            if (!Validation.isValidZkPath(zkPath)) {
                throw new IllegalArgumentException("zkPath must be an absolute ZooKeeper path such as /nerve/services/web but was "
                        + Validation.quote(zkPath));
            }
            if (checkInterval.isZero() || checkInterval.isNegative()) {
                throw new IllegalArgumentException("checkInterval must be positive but was " + checkInterval);
            }
            requireCount("rise", rise);
            requireCount("fall", fall);
            if (ttl != null && (ttl.isZero() || ttl.isNegative())) {
                throw new IllegalArgumentException("ttl must be positive but was " + ttl);
            }
            if (ttl != null && !nodeType.persistent()) {
                throw new IllegalArgumentException("ttl applies to the persistent node types only but nodeType was " + nodeType);
            }
            weight.ifPresent(Validation::requireValidWeight);
            Validation.requireValidLabels(labels);
            if (haproxyServerOptions != null) {
                Validation.requireValidServerOptions(haproxyServerOptions);
            }
            List<CheckEntry> entries = new ArrayList<>();
            for (int i = 0; i < checks.size(); i++) {
                int r = checkRise.get(i) == null ? rise : requireCount("rise", checkRise.get(i));
                int f = checkFall.get(i) == null ? fall : requireCount("fall", checkFall.get(i));
                entries.add(new CheckEntry(checks.get(i), r, f));
            }
            ServiceInstance instance = ServiceInstance.builder()
                    .name(instanceId).host(host).port(port).weight(weight)
                    .labels(labels).haproxyServerOptions(haproxyServerOptions)
                    .build();
            return new NerveService(this, instance, entries);
        }

        private static int requireCount(String what, int count) {
            if (count < 1) {
                throw new IllegalArgumentException(what + " must be at least 1 but was " + count);
            }
            return count;
        }
    }
}
