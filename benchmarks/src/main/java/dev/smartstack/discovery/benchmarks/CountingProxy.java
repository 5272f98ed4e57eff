package dev.smartstack.discovery.benchmarks;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.server.Request;

/**
 * A loopback TCP forwarder between one watcher JVM and the ZooKeeper server that counts, on the
 * wire, every request the watcher sends, by ZooKeeper op code. Client-to-server traffic is a
 * sequence of length-prefixed packets: the first of a connection is the session handshake
 * ({@code ConnectRequest}), every later one starts with a {@code RequestHeader} (xid, op code).
 * Pings (op 11) are counted apart and left out of {@link Counts#requests()}: the server's own
 * per-session counter ({@code cons}, {@code recved}) includes them, so it is this count plus pings
 * plus handshakes.
 *
 * <p>{@link #cut()} drops every connection and refuses new ones until {@link #restore()}, which is
 * how the harness takes one watcher off the network while the server serves the writer.
 */
final class CountingProxy implements AutoCloseable {
    private static final int OPS = 256;
    private static final int HANDSHAKE = 0;
    private static final int MAX_PACKET = 64 * 1024 * 1024;

    private final int targetPort;
    private final ServerSocket server;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    /** Index op + 128 (ops are in [-11, 107]); index 0 counts handshakes (op -128 does not exist). */
    private final AtomicLongArray counts = new AtomicLongArray(OPS);
    private volatile boolean open = true;
    private volatile long firstAcceptNanos = -1;

    CountingProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "race-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    String connectString() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    /** What the watcher has sent so far. */
    Counts counts() {
        long[] copy = new long[OPS];
        for (int i = 0; i < OPS; i++) {
            copy[i] = counts.get(i);
        }
        return new Counts(copy);
    }

    /** When the first connection since start or {@link #restore()} was let through (System.nanoTime()), or -1. */
    long firstAcceptNanos() {
        return firstAcceptNanos;
    }

    /** Drops every connection and refuses new ones until {@link #restore()}. */
    void cut() {
        open = false;
        for (Socket s : sockets) {
            closeQuietly(s);
        }
        sockets.clear();
    }

    void restore() {
        firstAcceptNanos = -1;
        open = true;
    }

    @Override
    public void close() {
        closeQuietly(server);
        cut();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            if (!open) {
                closeQuietly(client);
                continue;
            }
            try {
                if (firstAcceptNanos < 0) {
                    firstAcceptNanos = System.nanoTime();
                }
                client.setTcpNoDelay(true);
                Socket target = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                target.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(target);
                start("race-proxy-requests", () -> requests(client, target), client, target);
                start("race-proxy-replies", () -> replies(target, client), client, target);
            } catch (IOException e) {
                closeQuietly(client);
            }
        }
    }

    private interface Pump {
        void run() throws IOException;
    }

    private static void start(String name, Pump pump, Socket a, Socket b) {
        Thread t = new Thread(() -> {
            try {
                pump.run();
            } catch (IOException e) {
                // cut or closed
            } finally {
                closeQuietly(a);
                closeQuietly(b);
            }
        }, name);
        t.setDaemon(true);
        t.start();
    }

    /** Client to server, one packet at a time, counting each by its op code. */
    private void requests(Socket from, Socket to) throws IOException {
        DataInputStream in = new DataInputStream(new BufferedInputStream(from.getInputStream(), 64 * 1024));
        OutputStream out = to.getOutputStream();
        boolean first = true;
        while (true) {
            int length = in.readInt();
            if (length < 0 || length > MAX_PACKET) {
                throw new IOException("packet length " + length);
            }
            byte[] packet = new byte[4 + length];
            packet[0] = (byte) (length >>> 24);
            packet[1] = (byte) (length >>> 16);
            packet[2] = (byte) (length >>> 8);
            packet[3] = (byte) length;
            in.readFully(packet, 4, length);
            if (first) {
                counts.incrementAndGet(HANDSHAKE);
                first = false;
            } else if (length >= 8) {
                int op = ((packet[8] & 0xff) << 24) | ((packet[9] & 0xff) << 16) | ((packet[10] & 0xff) << 8)
                        | (packet[11] & 0xff);
                if (op > -128 && op < 128) {
                    counts.incrementAndGet(op + 128);
                }
            }
            out.write(packet);
            out.flush();
        }
    }

    private static void replies(Socket from, Socket to) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        int n;
        while ((n = in.read(buffer)) >= 0) {
            out.write(buffer, 0, n);
            out.flush();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // nothing to do
        }
    }

    /** Packets counted by op code at one moment; subtract two to get what was sent in between. */
    record Counts(long[] byIndex) {
        Counts minus(Counts earlier) {
            long[] d = new long[OPS];
            for (int i = 0; i < OPS; i++) {
                d[i] = byIndex[i] - earlier.byIndex[i];
            }
            return new Counts(d);
        }

        /** Requests, without pings and handshakes. */
        long requests() {
            long sum = 0;
            for (int i = 1; i < OPS; i++) {
                if (i != ZooDefs.OpCode.ping + 128) {
                    sum += byIndex[i];
                }
            }
            return sum;
        }

        long pings() {
            return byIndex[ZooDefs.OpCode.ping + 128];
        }

        long handshakes() {
            return byIndex[HANDSHAKE];
        }

        /** Requests by op name, such as {@code getData=1 getChildren2=1}; pings left out. */
        String breakdown() {
            Map<String, Long> byName = new TreeMap<>();
            for (int i = 1; i < OPS; i++) {
                if (i != ZooDefs.OpCode.ping + 128 && byIndex[i] != 0) {
                    byName.put(Request.op2String(i - 128), byIndex[i]);
                }
            }
            StringBuilder b = new StringBuilder();
            byName.forEach((k, v) -> b.append(b.length() == 0 ? "" : " ").append(k).append('=').append(v));
            return b.length() == 0 ? "none" : b.toString();
        }
    }
}
