package dev.smartstack.discovery.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ZooKeeper's four-letter-word commands on 127.0.0.1. {@code srvr} is on every server's default
 * whitelist; {@link #requestsAnswered} needs {@code cons} allowed ({@code 4lw.commands.whitelist}).
 */
public final class FourLetterWords {
    private static final int MAX_REPLY = 1024 * 1024;
    private static final Pattern LCXID = Pattern.compile("lcxid=0x([0-9a-f]+)");

    private FourLetterWords() {
    }

    /** Sends {@code word} to 127.0.0.1:{@code port} and returns the reply. */
    public static String send(int port, String word) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2_000);
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            out.write(word.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] reply = in.readNBytes(MAX_REPLY);
            return new String(reply, StandardCharsets.UTF_8);
        }
    }

    /**
     * The server's mode from {@code srvr}: {@code "leader"}, {@code "follower"},
     * {@code "observer"} or {@code "standalone"}; empty when the server does not answer or does not
     * serve (for example while it has no quorum).
     */
    public static Optional<String> mode(int port) {
        try {
            for (String line : send(port, "srvr").split("\n")) {
                if (line.startsWith("Mode: ")) {
                    return Optional.of(line.substring("Mode: ".length()).trim());
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * The requests the server has answered on one client session: the last client xid it answered
     * ({@code lcxid} in {@code cons}). Every request carries the next xid, so the difference
     * between two readings is the number of requests in between, counted on the server. Pings
     * carry no xid and are not counted; the client's own {@code setWatches} after a reconnect is
     * (ZooKeeper 3.9 gives it an xid); a multi is one request. 0 when the session is not connected
     * to this server.
     *
     * @throws IllegalStateException when the server does not list sessions ({@code cons} is not
     *     whitelisted), with its answer
     */
    public static long requestsAnswered(int port, long sessionId) {
        String cons;
        try {
            cons = send(port, "cons");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!cons.contains("sid=0x")) {
            throw new IllegalStateException("cons did not list sessions: " + cons);
        }
        String sid = "sid=0x" + Long.toHexString(sessionId) + ",";
        long last = 0;
        for (String line : cons.split("\n")) {
            if (line.contains(sid)) {
                Matcher m = LCXID.matcher(line);
                if (m.find()) {
                    last = Math.max(last, Long.parseLong(m.group(1), 16));
                }
            }
        }
        return last;
    }

    /** Waits until the server on {@code port} serves, while {@code alive} holds. */
    static boolean awaitServing(int port, Duration timeout, BooleanSupplier alive) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() - deadline < 0) {
            if (mode(port).isPresent()) {
                return true;
            }
            if (!alive.getAsBoolean()) {
                return false;
            }
            pause(100);
        }
        return false;
    }

    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
