package dev.smartstack.discovery.chaos;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP forwarder in front of one ZooKeeper server's client port, to partition that server
 * away from the clients without root: while {@link #cut() cut}, bytes stop flowing in both directions
 * and new connections are accepted and then ignored, but nothing is closed, so the clients see a
 * silent peer (as behind a dropped link) rather than a reset; {@link #heal()} closes the dead
 * connections and forwards again. The server keeps talking to its quorum over its own ports.
 */
public final class Blackhole implements AutoCloseable {
    private final int targetPort;
    private final ServerSocket server;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile boolean cut;

    public Blackhole(int targetPort) {
        this.targetPort = targetPort;
        try {
            this.server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on 127.0.0.1", e);
        }
        daemon(this::acceptLoop, "chaos-blackhole-accept").start();
    }

    public int port() {
        return server.getLocalPort();
    }

    public void cut() {
        cut = true;
    }

    public void heal() {
        cut = false;
        sockets.forEach(Blackhole::closeQuietly);
        sockets.clear();
    }

    @Override
    public void close() {
        closeQuietly(server);
        heal();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            sockets.add(client);
            if (cut) {
                continue; // held open, never answered
            }
            try {
                Socket target = new Socket();
                target.connect(new InetSocketAddress("127.0.0.1", targetPort), 2_000);
                sockets.add(target);
                daemon(() -> pump(client, target), "chaos-blackhole-pump").start();
                daemon(() -> pump(target, client), "chaos-blackhole-pump").start();
            } catch (IOException e) {
                closeQuietly(client);
            }
        }
    }

    private void pump(Socket from, Socket to) {
        byte[] buffer = new byte[8192];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (cut) {
                    // Hold both sockets open and drop the bytes until heal() closes them.
                    while (cut && !from.isClosed()) {
                        Thread.sleep(50);
                    }
                    return;
                }
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // closed
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (!cut) {
                closeQuietly(from);
                closeQuietly(to);
            }
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // nothing to do
        }
    }
}
