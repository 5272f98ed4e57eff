package dev.smartstack.discovery.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.LinkedHashSet;
import java.util.Set;

/** Free TCP ports on 127.0.0.1. */
public final class Ports {
    private Ports() {
    }

    /** A port that was free on 127.0.0.1 a moment ago. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1", e);
        }
    }

    /** {@code count} distinct free ports. */
    static int[] freePorts(int count) {
        Set<Integer> ports = new LinkedHashSet<>();
        for (int attempt = 0; ports.size() < count && attempt < count * 20; attempt++) {
            ports.add(freePort());
        }
        if (ports.size() < count) {
            throw new IllegalStateException("could not find " + count + " distinct free ports on 127.0.0.1");
        }
        return ports.stream().mapToInt(Integer::intValue).toArray();
    }
}
