package dev.smartstack.discovery.chaos;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;

/**
 * HAProxy's CLI as an operator uses it, over its unix sockets: the stats socket's
 * {@code show servers state <backend>} (which servers HAProxy would send traffic to) and the
 * master socket's {@code show proc} (how many reloads the master has done).
 */
public final class HaproxyCli {
    /** Admin-state bits that take a server out of rotation: forced/inherited/config maintenance, drain, resolution. */
    private static final int OUT_OF_ROTATION = 0x01 | 0x02 | 0x04 | 0x08 | 0x10 | 0x20 | 0x40;
    private static final int RUNNING = 2;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private HaproxyCli() {
    }

    /**
     * Sends one command, closes the sending side (the master CLI answers only then) and returns the
     * whole answer.
     *
     * @throws IOException when the socket fails or the answer is not complete within 10 s
     */
    public static String send(Path socket, String command) throws IOException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX); Selector selector = Selector.open()) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer out = ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.US_ASCII));
            while (out.hasRemaining()) {
                ch.write(out);
            }
            ch.shutdownOutput();
            ch.configureBlocking(false);
            ch.register(selector, SelectionKey.OP_READ);
            ByteBuffer in = ByteBuffer.allocate(64 * 1024);
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IOException("no complete answer to '" + command + "' from " + socket + " within " + TIMEOUT);
                }
                selector.select(Math.max(1, left / 1_000_000));
                selector.selectedKeys().clear();
                int n = ch.read(in);
                if (n < 0) {
                    return answer.toString(StandardCharsets.UTF_8);
                }
                answer.write(in.array(), 0, in.position());
                in.clear();
            }
        }
    }

    /**
     * The {@code host:port} of every server of {@code backend} that is running and in rotation
     * (operational state 2, no maintenance or drain bit), from {@code show servers state}.
     */
    public static Set<String> serving(Path statsSocket, String backend) throws IOException {
        String answer = send(statsSocket, "show servers state " + backend);
        Set<String> result = new TreeSet<>();
        for (String line : answer.split("\n")) {
            if (line.isBlank() || line.startsWith("#") || line.strip().equals("1")) {
                continue;
            }
            // be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state ... srv_port (field 18)
            String[] f = line.strip().split(" ");
            if (f.length < 19 || !f[1].equals(backend)) {
                throw new IOException("unexpected 'show servers state' line: " + line);
            }
            int op = Integer.parseInt(f[5]);
            int admin = Integer.parseInt(f[6]);
            if (op == RUNNING && (admin & OUT_OF_ROTATION) == 0) {
                result.add(f[4] + ":" + f[18]);
            }
        }
        return result;
    }

    /** The master's reload count from {@code show proc} (the third field of its {@code master} line). */
    public static int reloads(Path masterSocket) throws IOException {
        String answer = send(masterSocket, "show proc");
        for (String line : answer.split("\n")) {
            String[] t = line.strip().split("\\s+");
            if (t.length >= 3 && t[1].equals("master")) {
                return Integer.parseInt(t[2]);
            }
        }
        throw new IOException("no master line in 'show proc': " + answer.strip());
    }
}
