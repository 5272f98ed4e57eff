package dev.smartstack.discovery.haproxy;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The per-service {@code haproxy} section of a Synapse config, key for key. Immutable; build with
 * {@link #builder()}.
 *
 * <p>Operator-written values ({@code listen}/{@code frontend}/{@code backend} lines, bind and
 * server options) are trusted, but may not hold line breaks; every rendered config is still
 * checked with {@code haproxy -c} before it is installed.
 */
public final class HaproxyService {
    private static final Pattern BIND_ADDRESS = Pattern.compile("[A-Za-z0-9._:/@\\[\\]*-]+");

    /** {@code backend_order}: the order of the server lines in the backend. */
    public enum BackendOrder {
        /** The default: a shuffle that is deterministic per service (seeded by the service name). */
        SHUFFLE,
        /** {@code asc}: by server name, ascending. */
        ASC,
        /** {@code desc}: by server name, descending. */
        DESC,
        /** {@code no_shuffle}: the snapshot's order (ZooKeeper sequence, then key). */
        NO_SHUFFLE
    }

    /** {@code cookie_value_method}: the value of a server's {@code cookie}. */
    public enum CookieValueMethod {
        /** The default: the server's name. */
        NAME,
        /** The SHA-1 of the server's name, in hex. */
        HASH
    }

    private final Integer port;
    private final String bindAddress;
    private final String bindOptions;
    private final String serverOptions;
    private final List<String> listen;
    private final List<String> frontend;
    private final List<String> backend;
    private final String backendName;
    private final BackendOrder backendOrder;
    private final CookieValueMethod cookieValueMethod;
    private final boolean disabled;
    private final boolean bindWithoutPort;
    private final List<String> sharedFrontend;
    private final Boolean useNerveWeights;

    private HaproxyService(Builder b) {
        this.port = b.port;
        this.bindAddress = b.bindAddress;
        this.bindOptions = b.bindOptions;
        this.serverOptions = b.serverOptions;
        this.listen = b.listen;
        this.frontend = b.frontend;
        this.backend = b.backend;
        this.backendName = b.backendName;
        this.backendOrder = b.backendOrder;
        this.cookieValueMethod = b.cookieValueMethod;
        this.disabled = b.disabled;
        this.bindWithoutPort = b.bindWithoutPort;
        this.sharedFrontend = b.sharedFrontend;
        this.useNerveWeights = b.useNerveWeights;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code port}: the frontend's port, or null for a backend only (unless {@link #bindWithoutPort()}). */
    public Integer port() {
        return port;
    }

    /** Ruby's explicit {@code port: null}: a frontend bound to {@code bind_address} alone. */
    public boolean bindWithoutPort() {
        return bindWithoutPort;
    }

    /** Whether the service has a frontend of its own: a port, or {@link #bindWithoutPort()}. */
    public boolean hasFrontend() {
        return port != null || bindWithoutPort;
    }

    /** {@code shared_frontend}: lines for the output's shared frontend; empty for none. */
    public List<String> sharedFrontend() {
        return sharedFrontend;
    }

    /** {@code use_nerve_weights} of this service, or null for the output's setting. */
    public Boolean useNerveWeights() {
        return useNerveWeights;
    }

    /** {@code bind_address}, or null for the output's global {@code bind_address}. */
    public String bindAddress() {
        return bindAddress;
    }

    /** {@code bind_options}; empty for none. */
    public String bindOptions() {
        return bindOptions;
    }

    /** {@code server_options}, with {@code %{host}}, {@code %{port}}, {@code %{name}}; empty for none. */
    public String serverOptions() {
        return serverOptions;
    }

    public List<String> listen() {
        return listen;
    }

    public List<String> frontend() {
        return frontend;
    }

    public List<String> backend() {
        return backend;
    }

    /** {@code backend_name}, or null for the service name. */
    public String backendName() {
        return backendName;
    }

    public BackendOrder backendOrder() {
        return backendOrder;
    }

    public CookieValueMethod cookieValueMethod() {
        return cookieValueMethod;
    }

    /** {@code disabled}: the service gets no frontend and no backend. */
    public boolean disabled() {
        return disabled;
    }

    /** The same settings with another {@code backend_name}, etc.: a builder holding these values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.port = port;
        b.bindAddress = bindAddress;
        b.bindOptions = bindOptions;
        b.serverOptions = serverOptions;
        b.listen = listen;
        b.frontend = frontend;
        b.backend = backend;
        b.backendName = backendName;
        b.backendOrder = backendOrder;
        b.cookieValueMethod = cookieValueMethod;
        b.disabled = disabled;
        b.bindWithoutPort = bindWithoutPort;
        b.sharedFrontend = sharedFrontend;
        b.useNerveWeights = useNerveWeights;
        return b;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof HaproxyService s)) {
            return false;
        }
        return Objects.equals(port, s.port) && Objects.equals(bindAddress, s.bindAddress)
                && bindOptions.equals(s.bindOptions) && serverOptions.equals(s.serverOptions)
                && listen.equals(s.listen) && frontend.equals(s.frontend) && backend.equals(s.backend)
                && Objects.equals(backendName, s.backendName) && backendOrder == s.backendOrder
                && cookieValueMethod == s.cookieValueMethod && disabled == s.disabled
                && bindWithoutPort == s.bindWithoutPort && sharedFrontend.equals(s.sharedFrontend)
                && Objects.equals(useNerveWeights, s.useNerveWeights);
    }

    @Override
    public int hashCode() {
        return Objects.hash(port, bindAddress, bindOptions, serverOptions, listen, frontend, backend, backendName,
                backendOrder, cookieValueMethod, disabled, bindWithoutPort, sharedFrontend, useNerveWeights);
    }

    @Override
    public String toString() {
        return "HaproxyService{port=" + port + ", backend_name=" + backendName + ", order=" + backendOrder + "}";
    }

    /** Builds a {@link HaproxyService}; every setting is optional. */
    public static final class Builder {
        private Integer port;
        private String bindAddress;
        private String bindOptions = "";
        private String serverOptions = "";
        private List<String> listen = List.of();
        private List<String> frontend = List.of();
        private List<String> backend = List.of();
        private String backendName;
        private BackendOrder backendOrder = BackendOrder.SHUFFLE;
        private CookieValueMethod cookieValueMethod = CookieValueMethod.NAME;
        private boolean disabled;
        private boolean bindWithoutPort;
        private List<String> sharedFrontend = List.of();
        private Boolean useNerveWeights;

        private Builder() {
        }

        /** {@code port}; default none (backend only). */
        public Builder port(Integer port) {
            if (port != null && (port < 1 || port > 65535)) {
                throw new IllegalArgumentException("port must be in [1, 65535] but was " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * Ruby's explicit {@code port: null}: the frontend binds {@code bind_address} with no port
         * (a UNIX socket such as {@code /run/svc.sock} or {@code unix@svc.sock}); default false.
         * Exclusive with {@link #port}.
         */
        public Builder bindWithoutPort(boolean bindWithoutPort) {
            this.bindWithoutPort = bindWithoutPort;
            return this;
        }

        /**
         * {@code bind_address}; default the output's {@code bind_address}, else {@code localhost}.
         * One token of {@code [A-Za-z0-9._:/@[]*-]} (an address, or a socket path for {@link #bindWithoutPort}).
         */
        public Builder bindAddress(String bindAddress) {
            if (bindAddress != null && !BIND_ADDRESS.matcher(bindAddress).matches()) {
                throw new IllegalArgumentException("bind_address must be one token of [A-Za-z0-9._:/@[]*-] but was "
                        + dev.smartstack.discovery.core.Validation.quote(bindAddress));
            }
            this.bindAddress = bindAddress;
            return this;
        }

        /**
         * {@code shared_frontend}: lines added to the output's shared frontend (see
         * {@link HaproxyOutputBuilder#sharedFrontend}), typically an {@code acl} and a
         * {@code use_backend}; default none.
         */
        public Builder sharedFrontend(List<String> lines) {
            this.sharedFrontend = lines("shared_frontend", lines);
            return this;
        }

        /** {@code use_nerve_weights} for this service; default null (the output's {@code use_nerve_weights}). */
        public Builder useNerveWeights(Boolean use) {
            this.useNerveWeights = use;
            return this;
        }

        /** {@code bind_options}; default none. */
        public Builder bindOptions(String bindOptions) {
            this.bindOptions = bindOptions == null ? "" : oneLine("bind_options", bindOptions).strip();
            return this;
        }

        /** {@code server_options}; default none. May hold {@code %{host}}, {@code %{port}}, {@code %{name}}. */
        public Builder serverOptions(String serverOptions) {
            this.serverOptions = serverOptions == null ? "" : oneLine("server_options", serverOptions).strip();
            if (this.serverOptions.indexOf('#') >= 0) {
                throw new IllegalArgumentException("server_options must not contain '#' but was "
                        + dev.smartstack.discovery.core.Validation.quote(serverOptions));
            }
            return this;
        }

        /** {@code listen}: lines added to both the frontend and the backend; default none. */
        public Builder listen(List<String> lines) {
            this.listen = lines("listen", lines);
            return this;
        }

        /** {@code frontend}: lines for the frontend; default none. */
        public Builder frontend(List<String> lines) {
            this.frontend = lines("frontend", lines);
            return this;
        }

        /** {@code backend}: lines for the backend; default none. */
        public Builder backend(List<String> lines) {
            this.backend = lines("backend", lines);
            return this;
        }

        /** {@code backend_name}; default the service name. */
        public Builder backendName(String backendName) {
            this.backendName = backendName == null ? null
                    : dev.smartstack.discovery.core.Validation.requireProxyName("backend_name", backendName);
            return this;
        }

        /** {@code backend_order}; default {@link BackendOrder#SHUFFLE}. */
        public Builder backendOrder(BackendOrder order) {
            this.backendOrder = Objects.requireNonNull(order, "backend_order == null");
            return this;
        }

        /** {@code cookie_value_method}; default {@link CookieValueMethod#NAME}. */
        public Builder cookieValueMethod(CookieValueMethod method) {
            this.cookieValueMethod = Objects.requireNonNull(method, "cookie_value_method == null");
            return this;
        }

        /** {@code disabled}; default false. */
        public Builder disabled(boolean disabled) {
            this.disabled = disabled;
            return this;
        }

        public HaproxyService build() {
            if (bindWithoutPort && port != null) {
                throw new IllegalArgumentException("port must be null when the frontend binds without a port but was " + port);
            }
            if (bindAddress != null && bindAddress.indexOf('/') >= 0 && !bindWithoutPort) {
                throw new IllegalArgumentException("bind_address " + dev.smartstack.discovery.core.Validation.quote(bindAddress)
                        + " is a socket path, which needs port: null");
            }
            return new HaproxyService(this);
        }

        static List<String> lines(String key, List<String> lines) {
            Objects.requireNonNull(lines, key + " == null");
            for (String l : lines) {
                oneLine(key, l);
            }
            return List.copyOf(lines);
        }

        static String oneLine(String key, String value) {
            Objects.requireNonNull(value, key + " == null");
            if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0 || value.indexOf('\0') >= 0) {
                throw new IllegalArgumentException(key + " must be a single line but was "
                        + dev.smartstack.discovery.core.Validation.quote(value));
            }
            return value;
        }

    }
}
