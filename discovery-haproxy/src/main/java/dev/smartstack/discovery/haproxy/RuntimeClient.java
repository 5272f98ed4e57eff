package dev.smartstack.discovery.haproxy;

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
import java.util.ArrayList;
import java.util.List;

/**
 * The typed client of HAProxy's stats socket. The commands of one pass go over one connection in
 * interactive mode ({@code prompt}), after {@code set severity-output number}; they are written
 * and read at once (never waiting for one answer before sending the next), and each answer is
 * split off at HAProxy's prompt and classified by {@link RuntimeCommand#classify}.
 *
 * <p>Holds no lock and no state between calls; called on the output's reconciler thread only.
 */
final class RuntimeClient {
    private static final String PREAMBLE = "prompt\nset severity-output number\n";
    private static final int PREAMBLE_ANSWERS = 2;

    private final List<Path> sockets;
    private final Duration timeout;

    RuntimeClient(Path socket, Duration timeout) {
        this(List.of(socket), timeout);
    }

    /** A client of several stats sockets (one HAProxy process each): every command goes to each. */
    RuntimeClient(List<Path> sockets, Duration timeout) {
        if (sockets.isEmpty()) {
            throw new IllegalArgumentException("sockets must not be empty");
        }
        this.sockets = List.copyOf(sockets);
        this.timeout = timeout;
    }

    /** The sockets, as one string for messages. */
    String socket() {
        return sockets.size() == 1 ? sockets.get(0).toString() : sockets.toString();
    }

    /**
     * Sends the commands over one connection to each socket in turn and returns one answer per
     * command, in order: the first socket's, except that a command refused by a later socket
     * answers with that refusal (so that a command counts as done only when every process did it).
     *
     * @throws IOException when a socket cannot be reached or does not answer every command within
     *     the timeout
     */
    List<RuntimeCommand.Answer> send(List<RuntimeCommand> commands) throws IOException {
        List<RuntimeCommand.Answer> answers = send(sockets.get(0), commands);
        for (int s = 1; s < sockets.size(); s++) {
            List<RuntimeCommand.Answer> more = send(sockets.get(s), commands);
            for (int i = 0; i < more.size(); i++) {
                if (answers.get(i).ok() && !more.get(i).ok()) {
                    answers.set(i, more.get(i));
                }
            }
        }
        return answers;
    }

    /** Sends the commands over one connection to {@code socket}; one answer per command, in order. */
    /** Whether any of the sockets exists yet (none does before HAProxy first starts). */
    boolean anySocketExists() {
        return sockets.stream().anyMatch(java.nio.file.Files::exists);
    }

    private List<RuntimeCommand.Answer> send(Path socket, List<RuntimeCommand> commands) throws IOException {
        if (commands.isEmpty()) {
            return new ArrayList<>();
        }
        StringBuilder request = new StringBuilder(PREAMBLE.length() + commands.size() * 64).append(PREAMBLE);
        for (RuntimeCommand c : commands) {
            request.append(c.text()).append('\n');
        }
        request.append("quit\n");
        String raw = exchange(socket, request.toString().getBytes(StandardCharsets.US_ASCII));
        List<String> parts = split(raw);
        if (parts.size() < PREAMBLE_ANSWERS + commands.size()) {
            throw new IOException(socket + " answered " + (parts.size() - PREAMBLE_ANSWERS) + " of "
                    + commands.size() + " commands (first: '" + commands.get(0).text() + "')");
        }
        for (int i = 0; i < PREAMBLE_ANSWERS; i++) {
            if (!parts.get(i).isBlank()) {
                throw new IOException(socket + " refused the session preamble: "
                        + dev.smartstack.discovery.core.Validation.quote(parts.get(i).strip()));
            }
        }
        List<RuntimeCommand.Answer> answers = new ArrayList<>(commands.size());
        for (int i = 0; i < commands.size(); i++) {
            answers.add(commands.get(i).classify(parts.get(PREAMBLE_ANSWERS + i)));
        }
        return answers;
    }

    /** The answers of an interactive session: the text before each prompt ({@code "> "} at a line start). */
    static List<String> split(String raw) {
        List<String> parts = new ArrayList<>();
        int start = 0;
        int i = 0;
        while ((i = raw.indexOf("> ", i)) >= 0) {
            if (i == 0 || raw.charAt(i - 1) == '\n') {
                parts.add(raw.substring(start, i));
                start = i + 2;
            }
            i += 2;
        }
        return parts;
    }

    /** Writes the request and reads until HAProxy closes the connection, both without blocking. */
    private String exchange(Path socket, byte[] request) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                Selector selector = Selector.open()) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.configureBlocking(false);
            ByteBuffer out = ByteBuffer.wrap(request);
            ByteBuffer in = ByteBuffer.allocate(64 * 1024);
            ByteArrayOutputStream response = new ByteArrayOutputStream();
            SelectionKey key = ch.register(selector, SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IOException("no complete answer from " + socket + " within " + timeout);
                }
                selector.select(Math.max(1, left / 1_000_000));
                selector.selectedKeys().clear();
                if (out.hasRemaining() && key.isWritable()) {
                    ch.write(out);
                    if (!out.hasRemaining()) {
                        key.interestOps(SelectionKey.OP_READ);
                    }
                }
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
}
