package dev.smartstack.discovery.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * ZooKeeper's four-letter-word commands on 127.0.0.1. Only {@code srvr} is used: it is on every
 * server's default whitelist.
 */
public final class FourLetterWords {
    private static final int MAX_REPLY = 64 * 1024;

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
