package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.core.Validation;
import dev.smartstack.discovery.core.ZnodeDecoder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One service a {@link SynapseWatcher} watches: a Synapse service entry without its HAProxy part.
 * Immutable; built with {@link #builder()}. Its discovery method is set by exactly one of
 * {@link Builder#path} (ZooKeeper, watched, or polled with {@link Builder#pollingInterval}),
 * {@link Builder#dns}, {@link Builder#multi} and {@link Builder#base}.
 */
public final class WatchedService {
    /** Where a service's backends come from: Ruby Synapse's {@code discovery.method}. */
    public enum Method {
        /** The children of a ZooKeeper path, watched ({@code zookeeper}). */
        ZOOKEEPER,
        /** The children of a ZooKeeper path, polled without watches ({@code zookeeper_poll}). */
        ZOOKEEPER_POLL,
        /** DNS names resolved every check interval ({@code dns}). */
        DNS,
        /** Several watchers combined by a resolver ({@code multi}). */
        MULTI,
        /** The default servers alone ({@code base}). */
        BASE;

        /** Whether the method reads ZooKeeper through the watcher's own connection. */
        public boolean usesZooKeeper() {
            return this == ZOOKEEPER || this == ZOOKEEPER_POLL;
        }
    }

    private final String name;
    private final Method method;
    private final String path;
    private final DnsDiscovery dns;
    private final MultiDiscovery multi;
    private final ZnodeDecoder decoder;
    private final List<LabelFilter> labelFilters;
    private final List<ServiceInstance> defaultServers;
    private final boolean keepDefaultServers;
    private final boolean usePreviousBackends;
    private final Integer backendPortOverride;
    private final boolean leaderElection;
    private final Duration pollingInterval;

    private WatchedService(Builder b) {
        this.name = b.name;
        this.path = b.path;
        this.dns = b.dns;
        this.multi = b.multi;
        this.method = b.path != null ? (b.pollingInterval != null ? Method.ZOOKEEPER_POLL : Method.ZOOKEEPER)
                : b.dns != null ? Method.DNS : b.multi != null ? Method.MULTI : Method.BASE;
        this.decoder = b.decoder;
        this.labelFilters = List.copyOf(b.labelFilters);
        this.defaultServers = List.copyOf(b.defaultServers);
        this.keepDefaultServers = b.keepDefaultServers;
        this.usePreviousBackends = b.usePreviousBackends;
        this.backendPortOverride = b.backendPortOverride;
        this.leaderElection = b.leaderElection;
        this.pollingInterval = b.pollingInterval;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The service name, as used in snapshots and output file names. */
    public String name() {
        return name;
    }

    /** The discovery method. */
    public Method method() {
        return method;
    }

    /** The ZooKeeper path whose direct children are the backends; null unless the method uses ZooKeeper. */
    public String path() {
        return path;
    }

    /** The DNS names, for method {@link Method#DNS}. */
    public Optional<DnsDiscovery> dns() {
        return Optional.ofNullable(dns);
    }

    /** The watchers and resolver, for method {@link Method#MULTI}. */
    public Optional<MultiDiscovery> multi() {
        return Optional.ofNullable(multi);
    }

    public ZnodeDecoder decoder() {
        return decoder;
    }

    public List<LabelFilter> labelFilters() {
        return labelFilters;
    }

    public List<ServiceInstance> defaultServers() {
        return defaultServers;
    }

    public boolean keepDefaultServers() {
        return keepDefaultServers;
    }

    public boolean usePreviousBackends() {
        return usePreviousBackends;
    }

    public OptionalInt backendPortOverride() {
        return backendPortOverride == null ? OptionalInt.empty() : OptionalInt.of(backendPortOverride);
    }

    public boolean leaderElection() {
        return leaderElection;
    }

    /**
     * The poll interval when the service is polled without watches (Ruby's {@code zookeeper_poll});
     * empty when it is watched.
     */
    public Optional<Duration> pollingInterval() {
        return Optional.ofNullable(pollingInterval);
    }

    @Override
    public String toString() {
        return "WatchedService{" + name + (path != null ? " at " + path : " by " + method) + "}";
    }

    /**
     * Builds a {@link WatchedService}. {@code name} is required, and exactly one of {@code path},
     * {@code dns}, {@code multi} and {@code base}.
     */
    public static final class Builder {
        /** The shortest poll interval: Ruby's poll loop wakes every 0.5 s, so its 0 means this. */
        public static final long MIN_POLL_MILLIS = 500;
        private String name;
        private String path;
        private DnsDiscovery dns;
        private MultiDiscovery multi;
        private boolean base;
        private ZnodeDecoder decoder = ZnodeDecoder.nerve();
        private final List<LabelFilter> labelFilters = new ArrayList<>();
        private final List<ServiceInstance> defaultServers = new ArrayList<>();
        private boolean keepDefaultServers;
        private boolean usePreviousBackends = true;
        private Integer backendPortOverride;
        private boolean leaderElection;
        private Duration pollingInterval;

        private Builder() {
        }

        /** Required: 1 to 200 of {@code [A-Za-z0-9._:@-]}. */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** Required: an absolute ZooKeeper path such as {@code /nerve/services/web}. */
        public Builder path(String path) {
            this.path = path;
            return this;
        }

        /** Discover the backends by resolving DNS names (Ruby's {@code dns} method). */
        public Builder dns(DnsDiscovery discovery) {
            this.dns = Objects.requireNonNull(discovery, "dns == null");
            return this;
        }

        /** Discover the backends with several watchers and a resolver (Ruby's {@code multi} method). */
        public Builder multi(MultiDiscovery discovery) {
            this.multi = Objects.requireNonNull(discovery, "multi == null");
            return this;
        }

        /** No discovery: the backends are the default servers (Ruby's {@code base} method). */
        public Builder base() {
            this.base = true;
            return this;
        }

        /** How znode data is read; default {@link ZnodeDecoder#nerve()}. */
        public Builder decoder(ZnodeDecoder decoder) {
            this.decoder = Objects.requireNonNull(decoder, "decoder == null");
            return this;
        }

        /** Keep only the backends that pass every filter; default none. */
        public Builder labelFilters(List<LabelFilter> filters) {
            Objects.requireNonNull(filters, "labelFilters == null");
            for (LabelFilter f : filters) {
                Objects.requireNonNull(f, "labelFilters contains null");
            }
            this.labelFilters.clear();
            this.labelFilters.addAll(filters);
            return this;
        }

        /** Adds one label filter. */
        public Builder labelFilter(LabelFilter filter) {
            this.labelFilters.add(Objects.requireNonNull(filter, "labelFilter == null"));
            return this;
        }

        /** Used when discovery finds no backend (or always, with keepDefaultServers); default none. */
        public Builder defaultServers(List<ServiceInstance> servers) {
            Objects.requireNonNull(servers, "defaultServers == null");
            for (ServiceInstance s : servers) {
                Objects.requireNonNull(s, "defaultServers contains null");
            }
            this.defaultServers.clear();
            this.defaultServers.addAll(servers);
            return this;
        }

        /** Always add the default servers to what is discovered; default false. */
        public Builder keepDefaultServers(boolean keep) {
            this.keepDefaultServers = keep;
            return this;
        }

        /** Never replace a non-empty set of backends with an empty one; default true. */
        public Builder usePreviousBackends(boolean use) {
            this.usePreviousBackends = use;
            return this;
        }

        /** Replace every discovered backend's port; default none. */
        public Builder backendPortOverride(int port) {
            this.backendPortOverride = Validation.requireValidPort("backendPortOverride", port);
            return this;
        }

        /** Only the backend with the lowest sequence number; default false. */
        public Builder leaderElection(boolean on) {
            this.leaderElection = on;
            return this;
        }

        /**
         * Poll the children every {@code interval} instead of watching them (at least
         * {@value #MIN_POLL_MILLIS} ms); default: watched.
         */
        public Builder pollingInterval(Duration interval) {
            Objects.requireNonNull(interval, "pollingInterval == null");
            if (interval.toMillis() < MIN_POLL_MILLIS) {
                throw new IllegalArgumentException("pollingInterval must be at least " + MIN_POLL_MILLIS
                        + " ms but was " + interval.toMillis() + " ms");
            }
            this.pollingInterval = interval;
            return this;
        }

        /**
         * Checks the settings.
         *
         * @throws IllegalArgumentException naming the missing or bad setting and its value
         */
        public WatchedService build() {
            if (name == null) {
                throw new IllegalArgumentException("service name == null");
            }
            if (!Validation.isValidName(name)) {
                throw new IllegalArgumentException("service name must be 1 to " + Validation.MAX_NAME_LENGTH
                        + " characters of [A-Za-z0-9._:@-] but was " + Validation.quote(name));
            }
            List<String> methods = new ArrayList<>();
            if (path != null) {
                methods.add("path");
            }
            if (dns != null) {
                methods.add("dns");
            }
            if (multi != null) {
                methods.add("multi");
            }
            if (base) {
                methods.add("base");
            }
            if (methods.size() > 1) {
                throw new IllegalArgumentException("service '" + name + "' takes one discovery method but was given "
                        + String.join(", ", methods));
            }
            if (methods.isEmpty()) {
                throw new IllegalArgumentException("service '" + name + "' path == null");
            }
            if (path == null) {
                if (pollingInterval != null) {
                    throw new IllegalArgumentException("service '" + name
                            + "' pollingInterval applies only to a ZooKeeper path, but the method is " + methods.get(0));
                }
                return new WatchedService(this);
            }
            if (!Validation.isValidZkPath(path)) {
                throw new IllegalArgumentException("service '" + name
                        + "' path must be an absolute ZooKeeper path such as /nerve/services/web but was "
                        + Validation.quote(path));
            }
            return new WatchedService(this);
        }
    }
}
