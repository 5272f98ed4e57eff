package dev.smartstack.discovery.nerve;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Just enough of an AMQP 0-9-1 broker, on 127.0.0.1, for the RabbitMQ client library to run
 * Ruby Nerve's check against: the handshake with PLAIN login, channel open, queue declare,
 * publish, get, ack and close, written from the AMQP 0-9-1 specification. No RabbitMQ server is
 * installed here (Debian packages one, with Erlang), so this is what the check is tested against.
 * It records what the client did so that tests can assert the check's semantics.
 */
final class FakeAmqpBroker implements AutoCloseable {
    private static final int FRAME_END = 0xCE;

    final String user;
    final String password;
    /** When set, published messages are dropped, so a get finds the queue empty. */
    final AtomicBoolean dropMessages = new AtomicBoolean();
    final List<String> declared = new CopyOnWriteArrayList<>();
    final List<String> published = new CopyOnWriteArrayList<>();
    final List<String> expirations = new CopyOnWriteArrayList<>();
    final List<Long> acked = new CopyOnWriteArrayList<>();
    final List<String> refusedLogins = new CopyOnWriteArrayList<>();
    private final Deque<byte[]> queue = new ArrayDeque<>();
    private final ServerSocket server;
    private final Thread acceptor;

    FakeAmqpBroker(String user, String password) throws IOException {
        this.user = user;
        this.password = password;
        this.server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "fake-amqp-broker");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                s.setSoTimeout(10_000);
                serve(new DataInputStream(s.getInputStream()), new DataOutputStream(s.getOutputStream()));
            } catch (IOException e) {
                // the client went away or the broker closed
            }
        }
    }

    private void serve(DataInputStream in, DataOutputStream out) throws IOException {
        byte[] header = new byte[8];
        in.readFully(header);
        send(out, 0, method(10, 10, b -> {
            b.write(0);
            b.write(9);
            table(b);
            longstr(b, "PLAIN");
            longstr(b, "en_US");
        }));
        ByteBuffer startOk = expect(in, 10, 11);
        skipTable(startOk);
        shortstr(startOk);
        String response = longstr(startOk);
        if (!response.equals("\0" + user + "\0" + password)) {
            refusedLogins.add(response.replace('\0', ' ').strip());
            send(out, 0, method(10, 50, b -> {
                b.writeShort(403);
                shortstr(b, "ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN");
                b.writeShort(0);
                b.writeShort(0);
            }));
            return;
        }
        send(out, 0, method(10, 30, b -> {
            b.writeShort(2047);
            b.writeInt(131_072);
            b.writeShort(0);
        }));
        expect(in, 10, 31);
        expect(in, 10, 40);
        send(out, 0, method(10, 41, b -> shortstr(b, "")));
        while (true) {
            Frame f = read(in);
            if (f.type != 1) {
                continue;
            }
            int classId = f.payload.getShort() & 0xffff;
            int methodId = f.payload.getShort() & 0xffff;
            int ch = f.channel;
            switch (classId * 1000 + methodId) {
                case 20_010 -> send(out, ch, method(20, 11, b -> longstr(b, "")));
                case 50_010 -> {
                    f.payload.getShort();
                    String q = shortstr(f.payload);
                    declared.add(q);
                    int count;
                    synchronized (queue) {
                        count = queue.size();
                    }
                    send(out, ch, method(50, 11, b -> {
                        shortstr(b, q);
                        b.writeInt(count);
                        b.writeInt(0);
                    }));
                }
                case 60_040 -> publish(in);
                case 60_070 -> get(out, ch);
                case 60_080 -> acked.add(f.payload.getLong());
                case 20_040 -> send(out, ch, method(20, 41, b -> { }));
                case 10_050 -> {
                    send(out, 0, method(10, 51, b -> { }));
                    return;
                }
                default -> throw new IOException("unexpected method " + classId + "." + methodId);
            }
        }
    }

    private void publish(DataInputStream in) throws IOException {
        Frame header = read(in);
        header.payload.getShort();
        header.payload.getShort();
        long size = header.payload.getLong();
        int flags = header.payload.getShort() & 0xffff;
        if (flags == 0x0100) {
            expirations.add(shortstr(header.payload));
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (body.size() < size) {
            Frame f = read(in);
            body.write(f.payload.array(), 0, f.payload.limit());
        }
        published.add(body.toString(StandardCharsets.UTF_8));
        if (!dropMessages.get()) {
            synchronized (queue) {
                queue.add(body.toByteArray());
            }
        }
    }

    private void get(DataOutputStream out, int ch) throws IOException {
        byte[] msg;
        int left;
        synchronized (queue) {
            msg = queue.poll();
            left = queue.size();
        }
        if (msg == null) {
            send(out, ch, method(60, 72, b -> shortstr(b, "")));
            return;
        }
        send(out, ch, method(60, 71, b -> {
            b.writeLong(1);
            b.write(0);
            shortstr(b, "");
            shortstr(b, "nerve");
            b.writeInt(left);
        }));
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        DataOutputStream hd = new DataOutputStream(h);
        hd.writeShort(60);
        hd.writeShort(0);
        hd.writeLong(msg.length);
        hd.writeShort(0);
        frame(out, 2, ch, h.toByteArray());
        frame(out, 3, ch, msg);
        out.flush();
    }

    private record Frame(int type, int channel, ByteBuffer payload) {
    }

    private static Frame read(DataInputStream in) throws IOException {
        int type = in.readUnsignedByte();
        int channel = in.readUnsignedShort();
        int size = in.readInt();
        byte[] payload = new byte[size];
        in.readFully(payload);
        if (in.readUnsignedByte() != FRAME_END) {
            throw new IOException("bad frame end");
        }
        return new Frame(type, channel, ByteBuffer.wrap(payload));
    }

    private static ByteBuffer expect(DataInputStream in, int classId, int methodId) throws IOException {
        Frame f = read(in);
        int c = f.payload.getShort() & 0xffff;
        int m = f.payload.getShort() & 0xffff;
        if (f.type != 1 || c != classId || m != methodId) {
            throw new IOException("expected " + classId + "." + methodId + " but got " + c + "." + m);
        }
        return f.payload;
    }

    private interface Args {
        void write(DataOutputStream b) throws IOException;
    }

    private static byte[] method(int classId, int methodId, Args args) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream b = new DataOutputStream(bytes);
        b.writeShort(classId);
        b.writeShort(methodId);
        args.write(b);
        return bytes.toByteArray();
    }

    private static void send(DataOutputStream out, int channel, byte[] payload) throws IOException {
        frame(out, 1, channel, payload);
        out.flush();
    }

    private static void frame(DataOutputStream out, int type, int channel, byte[] payload) throws IOException {
        out.write(type);
        out.writeShort(channel);
        out.writeInt(payload.length);
        out.write(payload);
        out.write(FRAME_END);
    }

    private static void table(DataOutputStream b) throws IOException {
        b.writeInt(0);
    }

    private static void skipTable(ByteBuffer p) {
        int len = p.getInt();
        p.position(p.position() + len);
    }

    private static void shortstr(DataOutputStream b, String s) throws IOException {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        b.write(bytes.length);
        b.write(bytes);
    }

    private static void longstr(DataOutputStream b, String s) throws IOException {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        b.writeInt(bytes.length);
        b.write(bytes);
    }

    private static String shortstr(ByteBuffer p) {
        byte[] bytes = new byte[p.get() & 0xff];
        p.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static String longstr(ByteBuffer p) {
        byte[] bytes = new byte[p.getInt()];
        p.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
