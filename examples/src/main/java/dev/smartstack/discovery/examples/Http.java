package dev.smartstack.discovery.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A tiny HTTP/1.0 client for the tour: one connection per request (so that HAProxy balances each
 * one), bounded connect and read timeouts, 127.0.0.1 only.
 */
final class Http {
    private static final int MAX_REPLY = 64 * 1024;

    private Http() {
    }

    /** The answer to one request: the status (0 when the request failed) and the body or the error. */
    record Reply(int status, String body) {
        boolean ok() {
            return status == 200;
        }
    }

    /** GET {@code path} from 127.0.0.1:{@code port}. Never throws: a failure is status 0. */
    static Reply get(int port, String path) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1_000);
            socket.setSoTimeout(2_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String reply = new String(in.readNBytes(MAX_REPLY), StandardCharsets.UTF_8);
            int lineEnd = reply.indexOf("\r\n");
            if (!reply.startsWith("HTTP/") || lineEnd < 0) {
                return new Reply(0, "not HTTP: " + reply.strip());
            }
            String[] statusLine = reply.substring(0, lineEnd).split(" ");
            int status = statusLine.length > 1 ? Integer.parseInt(statusLine[1]) : 0;
            int bodyStart = reply.indexOf("\r\n\r\n");
            String body = bodyStart < 0 ? "" : reply.substring(bodyStart + 4).strip();
            return new Reply(status, body);
        } catch (IOException | RuntimeException e) {
            return new Reply(0, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
