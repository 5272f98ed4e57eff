package dev.smartstack.discovery.nerve;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Ruby Nerve's {@code redis} check: connect, {@code PING}, then {@code EXISTS
 * nerve-redis-service-check}; it passes when both get a non-error reply within the timeout (a
 * server that is loading, or that wants a password, answers {@code -ERR...} and fails). RESP is
 * written and read directly: two commands do not earn a client library.
 */
final class RedisCheck implements HealthCheck {
    static final String PROBE_KEY = "nerve-redis-service-check";
    private static final int MAX_REPLY = 512;

    private final String host;
    private final int port;
    private final Duration timeout;

    RedisCheck(String host, int port, Duration timeout) {
        this.host = host;
        this.port = port;
        this.timeout = timeout;
    }

    @Override
    public HealthResult check() {
        int millis = Math.toIntExact(Math.max(1, timeout.toMillis()));
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), millis);
            socket.setSoTimeout(millis);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(command("PING"));
            out.flush();
            String ping = reply(in);
            if (!ping.equals("+PONG")) {
                return HealthResult.unhealthy(this + ": PING answered " + ping);
            }
            out.write(command("EXISTS", PROBE_KEY));
            out.flush();
            String exists = reply(in);
            if (!exists.startsWith(":")) {
                return HealthResult.unhealthy(this + ": EXISTS answered " + exists);
            }
            return HealthResult.ok();
        } catch (IOException e) {
            return HealthResult.unhealthy(this + " failed: " + e);
        }
    }

    /** A RESP array of bulk strings. */
    static byte[] command(String... words) {
        StringBuilder b = new StringBuilder().append('*').append(words.length).append("\r\n");
        for (String w : words) {
            b.append('$').append(w.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(w).append("\r\n");
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** One reply line (simple string, error or integer), without its CRLF. */
    private static String reply(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int prev = -1;
        while (b.length() < MAX_REPLY) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("connection closed after " + quoteReply(b));
            }
            if (prev == '\r' && c == '\n') {
                b.setLength(b.length() - 1);
                return b.toString();
            }
            b.append((char) c);
            prev = c;
        }
        throw new IOException("reply longer than " + MAX_REPLY + " bytes: " + quoteReply(b));
    }

    private static String quoteReply(StringBuilder b) {
        return "\"" + b.toString().replaceAll("[^\\x20-\\x7e]", "?") + "\"";
    }

    @Override
    public Duration timeout() {
        return timeout;
    }

    @Override
    public String toString() {
        return "redis " + host + ":" + port;
    }
}
