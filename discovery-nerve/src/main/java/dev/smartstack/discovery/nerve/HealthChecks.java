package dev.smartstack.discovery.nerve;

import dev.smartstack.discovery.core.Validation;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/** The health checks of Ruby Nerve: HTTP and TCP. */
public final class HealthChecks {
    /** The default timeout of HTTP and TCP checks, as in Ruby Nerve: 100 ms. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(100);

    private HealthChecks() {
    }

    /** An HTTP check of {@code http://host:port/uri} with the defaults; see {@link #http()}. */
    public static HealthCheck http(String host, int port, String uri) {
        return http().host(host).port(port).uri(uri).build();
    }

    /**
     * The rule for an HTTP check's {@code uri}: a path starting with {@code /}, without spaces or
     * control characters, that a URI can carry.
     *
     * @throws IllegalArgumentException naming what was expected and what was found
     */
    public static String requireValidUri(String uri) {
        if (uri == null || !uri.startsWith("/") || Validation.hasControlCharacter(uri) || uri.contains(" ")) {
            throw new IllegalArgumentException("uri must be a path starting with / but was " + Validation.quote(uri));
        }
        try {
            URI.create("http://127.0.0.1:1" + uri);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("uri must be a path starting with / but was " + Validation.quote(uri), e);
        }
        return uri;
    }

    /**
     * An HTTP check, built step by step. It passes on a status from 200 to 399 whose body contains
     * {@code expect} (when set). It uses the JDK {@link HttpClient} over HTTP/1.1.
     */
    public static HttpCheckBuilder http() {
        return new HttpCheckBuilder();
    }

    /** A TCP check: passes when a connection to {@code host:port} is accepted within {@code timeout}. */
    public static HealthCheck tcp(String host, int port, Duration timeout) {
        Validation.requireValidHost(host);
        Validation.requireValidPort(port);
        requirePositive(timeout);
        return new TcpCheck(host, port, timeout);
    }

    /**
     * Ruby Nerve's {@code redis} check: passes when {@code PING} and {@code EXISTS
     * nerve-redis-service-check} both get a non-error reply from {@code host:port} within
     * {@code timeout}.
     */
    public static HealthCheck redis(String host, int port, Duration timeout) {
        Validation.requireValidHost(host);
        Validation.requireValidPort(port);
        requirePositive(timeout);
        return new RedisCheck(host, port, timeout);
    }

    /**
     * Ruby Nerve's {@code rabbitmq} check: passes when a message published to the queue
     * {@code nerve} on {@code host:port} (logged in as {@code username}) can be read back. Needs
     * {@code com.rabbitmq:amqp-client} on the class path (an optional dependency of this module).
     */
    public static HealthCheck rabbitmq(String host, int port, String username, String password, Duration timeout) {
        Validation.requireValidHost(host);
        Validation.requireValidPort(port);
        Objects.requireNonNull(username, "username == null");
        Objects.requireNonNull(password, "password == null");
        requirePositive(timeout);
        return new RabbitMqCheck(host, port, username, password, timeout);
    }

    /** Ruby Nerve's {@code noop} check: always passes. */
    public static HealthCheck noop() {
        return new HealthCheck() {
            @Override
            public HealthResult check() {
                return HealthResult.ok();
            }

            @Override
            public String toString() {
                return "noop";
            }
        };
    }

    static Duration requirePositive(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout == null");
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must be positive but was " + timeout);
        }
        return timeout;
    }

    /** Builds an HTTP check. Required: host, port, uri. */
    public static final class HttpCheckBuilder {
        private String host;
        private int port;
        private String uri;
        private Duration timeout = DEFAULT_TIMEOUT;
        private Duration openTimeout;
        private Duration readTimeout;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private String expect;
        private boolean ssl;
        private SSLContext sslContext;

        private HttpCheckBuilder() {
        }

        /** Required: the host to connect to. */
        public HttpCheckBuilder host(String host) {
            this.host = host;
            return this;
        }

        /** Required: 1 to 65535. */
        public HttpCheckBuilder port(int port) {
            this.port = port;
            return this;
        }

        /** Required: the path (and query) to request, starting with {@code /}. */
        public HttpCheckBuilder uri(String uri) {
            this.uri = uri;
            return this;
        }

        /** Connect plus response timeout; default 100 ms. */
        public HttpCheckBuilder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** Ruby's {@code open_timeout}: the connect timeout; default {@link #timeout(Duration)}. */
        public HttpCheckBuilder openTimeout(Duration openTimeout) {
            this.openTimeout = openTimeout;
            return this;
        }

        /** Ruby's {@code read_timeout}: the response timeout; default {@link #timeout(Duration)}. */
        public HttpCheckBuilder readTimeout(Duration readTimeout) {
            this.readTimeout = readTimeout;
            return this;
        }

        /** Adds a request header. Default none. */
        public HttpCheckBuilder header(String name, String value) {
            Objects.requireNonNull(name, "header name == null");
            Objects.requireNonNull(value, "header value == null");
            headers.put(name, value);
            return this;
        }

        /** Adds request headers. */
        public HttpCheckBuilder headers(Map<String, String> headers) {
            headers.forEach(this::header);
            return this;
        }

        /** A substring the body must contain. Default none. */
        public HttpCheckBuilder expect(String expect) {
            this.expect = expect;
            return this;
        }

        /**
         * Use HTTPS. Default false. The certificate is verified against the JDK's default trust
         * store unless {@link #sslContext(SSLContext)} says otherwise (Ruby Nerve does not verify).
         */
        public HttpCheckBuilder ssl(boolean ssl) {
            this.ssl = ssl;
            return this;
        }

        /** The TLS context for {@code ssl}; default the JDK's default context. */
        public HttpCheckBuilder sslContext(SSLContext sslContext) {
            this.sslContext = Objects.requireNonNull(sslContext, "sslContext == null");
            return this;
        }

        /** Validates the settings; does no I/O. */
        public HealthCheck build() {
            Validation.requireValidHost(host);
            Validation.requireValidPort(port);
            if (uri == null) {
                throw new IllegalArgumentException("uri is required for an http check");
            }
            requireValidUri(uri);
            requirePositive(timeout);
            Duration connect = openTimeout == null ? timeout : requirePositive(openTimeout);
            Duration read = readTimeout == null ? timeout : requirePositive(readTimeout);
            // One run may take the connect and then the response: with either set apart, the sum bounds it.
            Duration run = openTimeout == null && readTimeout == null ? timeout : connect.plus(read);
            String hostPart = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
            URI target;
            try {
                target = URI.create((ssl ? "https://" : "http://") + hostPart + ":" + port + uri);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("uri must be a path starting with / but was " + Validation.quote(uri), e);
            }
            Map<String, String> sent = new LinkedHashMap<>();
            headers.forEach((k, v) -> {
                if (!k.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+") || Validation.hasControlCharacter(v)) {
                    throw new IllegalArgumentException("header " + Validation.quote(k) + " cannot be set: not a valid"
                            + " HTTP header name and value: " + Validation.quote(k + ": " + v));
                }
                sent.put(k, v);
            });
            if (sent.keySet().stream().anyMatch(k -> k.equalsIgnoreCase("host"))) {
                // The JDK's HttpClient refuses a Host header: this check speaks HTTP/1.1 itself.
                SSLContext tls = ssl ? (sslContext != null ? sslContext : defaultSslContext()) : null;
                return new RawHttpCheck(host, port, uri, sent, tls, connect, read, run, expect);
            }
            HttpRequest.Builder request = HttpRequest.newBuilder(target).timeout(read).GET();
            headers.forEach((k, v) -> {
                try {
                    request.header(k, v);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("header " + Validation.quote(k) + " cannot be set: " + e.getMessage(), e);
                }
            });
            HttpClient.Builder client = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .connectTimeout(connect);
            if (sslContext != null) {
                client.sslContext(sslContext);
            }
            return new HttpCheck(client.build(), request.build(), run, expect);
        }
    }

    private static SSLContext defaultSslContext() {
        try {
            return SSLContext.getDefault();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("no default TLS context: " + e.getMessage(), e);
        }
    }

    /** Ruby Nerve's verdict on an HTTP answer: any 2xx or 3xx, and the body holds {@code expect} when set. */
    static HealthResult judge(String target, int status, String body, String expect) {
        if (status < 200 || status > 399) {
            return HealthResult.unhealthy("GET " + target + " returned " + status);
        }
        if (expect != null && (body == null || !body.contains(expect))) {
            return HealthResult.unhealthy("GET " + target + " body does not contain " + Validation.quote(expect));
        }
        return HealthResult.ok();
    }

    private static final class HttpCheck implements HealthCheck {
        private final HttpClient client;
        private final HttpRequest request;
        private final Duration timeout;
        private final String expect;

        HttpCheck(HttpClient client, HttpRequest request, Duration timeout, String expect) {
            this.client = client;
            this.request = request;
            this.timeout = timeout;
            this.expect = expect;
        }

        @Override
        public HealthResult check() {
            HttpResponse<String> response;
            try {
                response = client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                return HealthResult.unhealthy("GET " + request.uri() + " failed: " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return HealthResult.unhealthy("GET " + request.uri() + " interrupted");
            }
            int status = response.statusCode();
            return judge(request.uri().toString(), status, response.body(), expect);
        }

        @Override
        public Duration timeout() {
            return timeout;
        }

        @Override
        public String toString() {
            return "http " + request.uri();
        }
    }

    private static final class TcpCheck implements HealthCheck {
        private final String host;
        private final int port;
        private final Duration timeout;

        TcpCheck(String host, int port, Duration timeout) {
            this.host = host;
            this.port = port;
            this.timeout = timeout;
        }

        @Override
        public HealthResult check() {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(host, port), Math.toIntExact(Math.max(1, timeout.toMillis())));
                return HealthResult.ok();
            } catch (IOException e) {
                return HealthResult.unhealthy("tcp " + host + ":" + port + " failed: " + e);
            }
        }

        @Override
        public Duration timeout() {
            return timeout;
        }

        @Override
        public String toString() {
            return "tcp " + host + ":" + port;
        }
    }
}
