package dev.smartstack.discovery.core;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One registered instance of a service: where it listens and how it wants to be treated. Immutable
 * and validated: an instance that exists has a valid host, port, name, weight, labels and server
 * options (see {@link Validation}).
 *
 * <p>Instances read back from ZooKeeper also carry their znode name and, for
 * {@code EPHEMERAL_SEQUENTIAL} nodes, the 10-digit sequence number ZooKeeper appended.
 */
public final class ServiceInstance {
    private static final Pattern SEQUENTIAL = Pattern.compile(".*_(\\d{10})");

    private final String name;
    private final String host;
    private final int port;
    private final Integer weight;
    private final String haproxyServerOptions;
    private final Map<String, String> labels;
    private final String znodeName;
    private final long sequence;

    private ServiceInstance(Builder b) {
        this.name = Validation.requireValidName(b.name);
        this.host = Validation.requireValidHost(b.host);
        this.port = Validation.requireValidPort(b.port);
        this.weight = b.weight == null ? null : Validation.requireValidWeight(b.weight);
        this.haproxyServerOptions = b.haproxyServerOptions == null
                ? null : Validation.requireValidServerOptions(b.haproxyServerOptions);
        Map<String, String> validLabels = Validation.requireValidLabels(b.labels);
        // Most instances have no labels: one shared empty map instead of a TreeMap each (80 bytes
        // per backend, 8 MB of a watcher's heap at 100,000 backends).
        this.labels = validLabels.isEmpty() ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(validLabels));
        this.znodeName = b.znodeName;
        this.sequence = sequenceOf(b.znodeName);
    }

    /** A builder with no fields set. */
    public static Builder builder() {
        return new Builder();
    }

    /** An instance with just a name, a host and a port. */
    public static ServiceInstance of(String name, String host, int port) {
        return builder().name(name).host(host).port(port).build();
    }

    /** A builder holding this instance's fields. */
    public Builder toBuilder() {
        Builder b = new Builder().name(name).host(host).port(port).labels(labels).znodeName(znodeName)
                .haproxyServerOptions(haproxyServerOptions);
        b.weight = weight;
        return b;
    }

    /** The instance id, written as {@code name} in Nerve's znode data. */
    public String name() {
        return name;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** {@code host:port}, with brackets around an IPv6 address. */
    public String address() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    public OptionalInt weight() {
        return weight == null ? OptionalInt.empty() : OptionalInt.of(weight);
    }

    /** Nerve's {@code haproxy_server_options}: extra keywords for this instance's server line. */
    public Optional<String> haproxyServerOptions() {
        return Optional.ofNullable(haproxyServerOptions);
    }

    /** The labels, sorted by key; never null. */
    public Map<String, String> labels() {
        return labels;
    }

    /** The znode's own name (not the full path) when the instance was read from ZooKeeper. */
    public Optional<String> znodeName() {
        return Optional.ofNullable(znodeName);
    }

    /** The sequence number ZooKeeper appended to the znode name, or -1 when there is none. */
    public long sequence() {
        return sequence;
    }

    /** The same instance with another znode name (and so another sequence number). */
    public ServiceInstance withZnodeName(String newZnodeName) {
        return toBuilder().znodeName(newZnodeName).build();
    }

    /** The same instance with another port, for {@code backend_port_override}. */
    public ServiceInstance withPort(int newPort) {
        return toBuilder().port(newPort).build();
    }

    /**
     * The key that identifies this instance within one service: the znode name when there is
     * one, else {@code name@host:port}.
     */
    public String key() {
        return znodeName != null ? znodeName : name + "@" + address();
    }

    /**
     * The sequence number ZooKeeper appended to {@code znodeName} (its last 10 digits after an
     * {@code _}), or -1 when there is none: what {@link #sequence()} holds for an instance with that
     * znode name. A watcher uses it to find an instance by znode name in {@code sequence} order.
     */
    public static long sequenceOf(String znodeName) {
        if (znodeName == null) {
            return -1;
        }
        Matcher m = SEQUENTIAL.matcher(znodeName);
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ServiceInstance other)) {
            return false;
        }
        return port == other.port && name.equals(other.name) && host.equals(other.host)
                && Objects.equals(weight, other.weight)
                && Objects.equals(haproxyServerOptions, other.haproxyServerOptions)
                && labels.equals(other.labels) && Objects.equals(znodeName, other.znodeName);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, host, port, weight, haproxyServerOptions, labels, znodeName);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("ServiceInstance{").append(name).append(' ').append(address());
        if (weight != null) {
            sb.append(" weight=").append(weight);
        }
        if (haproxyServerOptions != null) {
            sb.append(" options=").append(Validation.quote(haproxyServerOptions));
        }
        if (!labels.isEmpty()) {
            sb.append(" labels=").append(labels);
        }
        if (znodeName != null) {
            // A child name is whatever ZooKeeper allows, U+2028 and U+2029 included: quote any
            // name that is not plain, so that a log line holding an instance stays one line.
            sb.append(" znode=").append(Validation.isValidName(znodeName) ? znodeName : Validation.quote(znodeName));
        }
        return sb.append('}').toString();
    }

    /** Builds a {@link ServiceInstance}; {@link #build()} validates every field. */
    public static final class Builder {
        private String name;
        private String host;
        private int port;
        private Integer weight;
        private String haproxyServerOptions;
        private Map<String, String> labels = Map.of();
        private String znodeName;

        private Builder() {
        }

        /** Required: the instance id. */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** Required: a DNS name or an IP address. */
        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** Required: 1 to 65535. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Optional, 0 to 256; default none. */
        public Builder weight(int weight) {
            this.weight = weight;
            return this;
        }

        /** Optional; {@code null} clears it. */
        public Builder weight(OptionalInt weight) {
            this.weight = weight.isPresent() ? weight.getAsInt() : null;
            return this;
        }

        /** Optional; default none. {@code null} clears it. */
        public Builder haproxyServerOptions(String options) {
            this.haproxyServerOptions = options;
            return this;
        }

        /** Optional; default empty. */
        public Builder labels(Map<String, String> labels) {
            this.labels = Objects.requireNonNull(labels, "labels == null");
            return this;
        }

        /** Set when the instance was read from ZooKeeper; default none. */
        public Builder znodeName(String znodeName) {
            this.znodeName = znodeName;
            return this;
        }

        /** Validates the fields and builds the instance. */
        public ServiceInstance build() {
            return new ServiceInstance(this);
        }
    }
}
