package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.core.Validation;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.xbill.DNS.Address;

/**
 * The {@code dns} discovery method (Ruby Synapse's DNS watcher): each server's host name is
 * resolved every {@link #checkInterval()} to its A and AAAA records, and each address becomes a
 * backend with the server's name, port and labels. A host given as an IP address is used as it is.
 * Immutable; built with {@link #builder()}.
 */
public final class DnsDiscovery {
    /** The default {@link Builder#checkInterval}: 30 s, as Ruby's {@code check_interval}. */
    public static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofSeconds(30);
    /** The shortest check interval. */
    public static final Duration MIN_CHECK_INTERVAL = Duration.ofMillis(100);
    /** The port of a {@link Builder#nameserver} given without one. */
    public static final int DNS_PORT = 53;

    private final List<ServiceInstance> servers;
    private final Duration checkInterval;
    private final InetSocketAddress nameserver;

    private DnsDiscovery(Builder b) {
        this.servers = List.copyOf(b.servers);
        this.checkInterval = b.checkInterval;
        this.nameserver = b.nameserver;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The servers: each one's host is the name to resolve; name, port and labels go to its backends. */
    public List<ServiceInstance> servers() {
        return servers;
    }

    public Duration checkInterval() {
        return checkInterval;
    }

    /** The name server to ask; empty for the system's (from {@code /etc/resolv.conf}). */
    public Optional<InetSocketAddress> nameserver() {
        return Optional.ofNullable(nameserver);
    }

    /** Whether {@code host} is an IPv4 or IPv6 literal, which is not resolved. */
    static boolean isIpLiteral(String host) {
        return parseLiteral(host) != null;
    }

    /** The address {@code host} spells, or null; never a lookup. */
    static InetAddress parseLiteral(String host) {
        byte[] bytes = Address.toByteArray(host, Address.IPv4);
        if (bytes == null) {
            bytes = Address.toByteArray(host, Address.IPv6);
        }
        try {
            return bytes == null ? null : InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            return null; // not reached: the length is 4 or 16
        }
    }

    @Override
    public String toString() {
        return "DnsDiscovery{" + servers.stream().map(ServiceInstance::host).toList() + " every " + checkInterval
                + (nameserver == null ? "" : " at " + nameserver) + "}";
    }

    /** Builds a {@link DnsDiscovery}: at least one server is required. */
    public static final class Builder {
        private final List<ServiceInstance> servers = new ArrayList<>();
        private Duration checkInterval = DEFAULT_CHECK_INTERVAL;
        private InetSocketAddress nameserver;

        private Builder() {
        }

        /** A server: its host is resolved, its name, port and labels are copied to each address's backend. */
        public Builder server(ServiceInstance server) {
            this.servers.add(Objects.requireNonNull(server, "server == null"));
            return this;
        }

        /** How often every name is resolved; default 30 s, at least 100 ms. */
        public Builder checkInterval(Duration interval) {
            Objects.requireNonNull(interval, "checkInterval == null");
            if (interval.compareTo(MIN_CHECK_INTERVAL) < 0) {
                throw new IllegalArgumentException("checkInterval must be at least " + MIN_CHECK_INTERVAL.toMillis()
                        + " ms but was " + interval.toMillis() + " ms");
            }
            this.checkInterval = interval;
            return this;
        }

        /**
         * The name server: an IP address with an optional port, {@code 10.0.0.2}, {@code 10.0.0.2:5353},
         * {@code ::1} or {@code [::1]:5353}; default the system's.
         */
        public Builder nameserver(String address) {
            Objects.requireNonNull(address, "nameserver == null");
            String host = address;
            int port = DNS_PORT;
            int colon = address.lastIndexOf(':');
            if (address.startsWith("[") && address.contains("]")) {
                int close = address.indexOf(']');
                host = address.substring(1, close);
                String rest = address.substring(close + 1);
                port = rest.isEmpty() ? DNS_PORT : rest.startsWith(":") ? parsePort(address, rest.substring(1)) : -1;
            } else if (colon > 0 && address.indexOf(':') == colon) {
                host = address.substring(0, colon);
                port = parsePort(address, address.substring(colon + 1));
            }
            if (port < 1 || port > 65535 || !isIpLiteral(host)) {
                throw new IllegalArgumentException("nameserver must be an IP address with an optional port, such as"
                        + " 10.0.0.2, 10.0.0.2:5353 or [::1]:5353, but was " + Validation.quote(address));
            }
            this.nameserver = new InetSocketAddress(parseLiteral(host), port);
            return this;
        }

        private static int parsePort(String address, String text) {
            try {
                return Integer.parseInt(text);
            } catch (NumberFormatException e) {
                return -1;
            }
        }

        /**
         * Checks the settings.
         *
         * @throws IllegalArgumentException when there is no server, or two servers have the same name and host
         */
        public DnsDiscovery build() {
            if (servers.isEmpty()) {
                throw new IllegalArgumentException("dns discovery needs at least one server");
            }
            Set<String> seen = new HashSet<>();
            for (ServiceInstance s : servers) {
                if (!seen.add(s.name() + "@" + s.address())) {
                    throw new IllegalArgumentException("dns server " + Validation.quote(s.name())
                            + " is configured twice for " + Validation.quote(s.address()));
                }
            }
            return new DnsDiscovery(this);
        }
    }
}
