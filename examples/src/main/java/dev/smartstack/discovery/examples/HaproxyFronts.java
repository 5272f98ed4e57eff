package dev.smartstack.discovery.examples;

import dev.smartstack.discovery.synapse.SnapshotOutput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The tour's HAProxy. Until discovery-haproxy's {@code HaproxyOutput} is in this build,
 * {@link #binary()} reports none and the tour uses the ServiceProvider path.
 */
final class HaproxyFronts {
    private HaproxyFronts() {
    }

    static Optional<String> binary() {
        return Optional.empty();
    }

    static HaproxyFront start(String binary, Path workDir) {
        throw new UnsupportedOperationException("no HAProxy output in this build");
    }

    static Many many(String binary, Path workDir, List<String> services) {
        throw new UnsupportedOperationException("no HAProxy output in this build");
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1", e);
        }
    }

    /** One HAProxy frontend per service. */
    static final class Many implements AutoCloseable {
        SnapshotOutput output() {
            throw new UnsupportedOperationException("no HAProxy output in this build");
        }

        int port(String service) {
            throw new UnsupportedOperationException("no HAProxy output in this build");
        }

        boolean busy() {
            return false;
        }

        @Override
        public void close() {
        }
    }
}
