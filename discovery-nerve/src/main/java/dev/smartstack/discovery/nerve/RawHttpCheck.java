package dev.smartstack.discovery.nerve;

import dev.smartstack.discovery.core.Validation;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The HTTP check as one HTTP/1.1 exchange over its own socket, used when the check sends its own
 * {@code Host} header (Ruby Nerve's {@code headers: {"Host": ...}}), which the JDK's HttpClient
 * refuses as restricted unless a JVM-wide system property is set. One {@code GET} with
 * {@code Connection: close}; the body is read by {@code Content-Length}, chunked, or to the end,
 * at most {@link #MAX_BODY} bytes. Redirects are not followed, as with the HttpClient path.
 */
final class RawHttpCheck implements HealthCheck {
    static final int MAX_BODY = 1 << 20;

    private final String host;
    private final int port;
    private final String uri;
    private final Map<String, String> headers;
    private final SSLContext ssl;
    private final Duration connect;
    private final Duration read;
    private final Duration run;
    private final String expect;
    private final String shown;

    /** {@code ssl} null for plain HTTP; {@code headers} hold a Host header and are already checked. */
    RawHttpCheck(String host, int port, String uri, Map<String, String> headers, SSLContext ssl, Duration connect,
            Duration read, Duration run, String expect) {
        this.host = host;
        this.port = port;
        this.uri = uri;
        this.headers = Map.copyOf(headers);
        this.ssl = ssl;
        this.connect = connect;
        this.read = read;
        this.run = run;
        this.expect = expect;
        String hostPart = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        this.shown = (ssl != null ? "https://" : "http://") + hostPart + ":" + port + uri;
    }

    @Override
    public HealthResult check() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), Math.toIntExact(Math.max(1, connect.toMillis())));
            socket.setSoTimeout(Math.toIntExact(Math.max(1, read.toMillis())));
            Socket s = socket;
            if (ssl != null) {
                SSLSocket tls = (SSLSocket) ssl.getSocketFactory().createSocket(socket, host, port, true);
                SSLParameters params = tls.getSSLParameters();
                params.setEndpointIdentificationAlgorithm("HTTPS"); // as the HttpClient path verifies the name
                tls.setSSLParameters(params);
                tls.startHandshake();
                s = tls;
            }
            OutputStream out = s.getOutputStream();
            out.write(request().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = new BufferedInputStream(s.getInputStream());
            String statusLine = line(in);
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/1.") || !parts[1].matches("\\d{3}")) {
                return HealthResult.unhealthy("GET " + shown + " failed: not an HTTP/1.x status line: "
                        + Validation.quote(statusLine));
            }
            long length = -1;
            boolean chunked = false;
            for (String h = line(in); !h.isEmpty(); h = line(in)) {
                int colon = h.indexOf(':');
                if (colon > 0) {
                    String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                    String value = h.substring(colon + 1).trim();
                    if (name.equals("content-length")) {
                        length = Long.parseLong(value);
                    } else if (name.equals("transfer-encoding")) {
                        chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                    }
                }
            }
            String body = expect == null ? "" : body(in, chunked, length);
            return HealthChecks.judge(shown, Integer.parseInt(parts[1]), body, expect);
        } catch (IOException | RuntimeException e) {
            return HealthResult.unhealthy("GET " + shown + " failed: " + e);
        }
    }

    private String request() {
        StringBuilder r = new StringBuilder("GET ").append(uri).append(" HTTP/1.1\r\n");
        headers.forEach((k, v) -> r.append(k).append(": ").append(v).append("\r\n"));
        return r.append("Connection: close\r\n\r\n").toString();
    }

    private static String body(InputStream in, boolean chunked, long length) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (chunked) {
            for (long size = chunkSize(line(in)); size > 0; size = chunkSize(line(in))) {
                copy(in, body, size);
                line(in); // the CRLF after the chunk
            }
        } else {
            copy(in, body, length < 0 ? MAX_BODY : length);
        }
        return body.toString(StandardCharsets.UTF_8);
    }

    private static long chunkSize(String line) {
        int semicolon = line.indexOf(';');
        return Long.parseLong((semicolon >= 0 ? line.substring(0, semicolon) : line).trim(), 16);
    }

    private static void copy(InputStream in, ByteArrayOutputStream body, long count) throws IOException {
        byte[] buffer = new byte[8192];
        long left = count;
        while (left > 0 && body.size() < MAX_BODY) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, Math.min(left, MAX_BODY - body.size())));
            if (n < 0) {
                return;
            }
            body.write(buffer, 0, n);
            left -= n;
        }
    }

    /** One header line without its CRLF, at most 8 KiB. */
    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("connection closed in the response head");
            }
            if (line.length() > 8192) {
                throw new IOException("response line longer than 8192 bytes");
            }
            line.append((char) c);
        }
        int end = line.length();
        return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
    }

    @Override
    public Duration timeout() {
        return run;
    }

    @Override
    public String toString() {
        return "http " + shown;
    }
}
