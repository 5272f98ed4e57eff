package dev.smartstack.discovery.haproxy;

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
import java.util.ArrayList;
import java.util.List;

/**
 * The managed HAProxy's master CLI ({@code -S <socket>}): {@code show proc} and {@code reload},
 * one command per connection, bounded by a timeout. The stats socket has {@link RuntimeClient}.
 */
final class MasterCli {
    private final Path socket;
    private final Duration timeout;

    MasterCli(Path socket, Duration timeout) {
        this.socket = socket;
        this.timeout = timeout;
    }

    Path socket() {
        return socket;
    }

    /** Sends one command and returns the whole response. */
    String send(String command) throws IOException {
        if (command.indexOf('\n') >= 0 || command.indexOf('\r') >= 0 || command.indexOf(';') >= 0) {
            throw new IllegalArgumentException("refusing to send a command with a line break or ';': " + command);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                Selector selector = Selector.open()) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer out = ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.US_ASCII));
            while (out.hasRemaining()) {
                ch.write(out);
            }
            ch.shutdownOutput();
            ch.configureBlocking(false);
            ch.register(selector, SelectionKey.OP_READ);
            ByteBuffer in = ByteBuffer.allocate(64 * 1024);
            java.io.ByteArrayOutputStream response = new java.io.ByteArrayOutputStream();
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IOException("no complete answer to '" + command + "' from " + socket + " within " + timeout);
                }
                selector.select(Math.max(1, left / 1_000_000));
                selector.selectedKeys().clear();
                int n = ch.read(in);
                if (n < 0) {
                    break;
                }
                if (n > 0) {
                    response.write(in.array(), 0, in.position());
                    in.clear();
                }
            }
            return response.toString(StandardCharsets.UTF_8);
        }
    }

    /** What the master CLI's {@code show proc} says. */
    record ProcInfo(long masterPid, int reloads, int failedReloads, List<Long> workerPids) {
    }

    static ProcInfo parseShowProc(String text) {
        long master = -1;
        int reloads = -1;
        int failed = 0;
        List<Long> workers = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] t = line.strip().split("\\s+");
            if (t.length >= 3 && t[1].equals("master")) {
                master = Long.parseLong(t[0]);
                reloads = Integer.parseInt(t[2]);
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("failed: (\\d+)").matcher(line);
                if (m.find()) {
                    failed = Integer.parseInt(m.group(1));
                }
            } else if (t.length >= 2 && t[1].equals("worker")) {
                workers.add(Long.parseLong(t[0]));
            }
        }
        return new ProcInfo(master, reloads, failed, List.copyOf(workers));
    }
}
