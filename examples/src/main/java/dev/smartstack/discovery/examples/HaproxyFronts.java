package dev.smartstack.discovery.examples;

import dev.smartstack.discovery.synapse.SnapshotOutput;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** HAProxy for the tour. */
final class HaproxyFronts {
    private HaproxyFronts() {
    }

    static Optional<String> binary() {
        return Optional.empty();
    }

    static HaproxyFront start(String binary, Path workDir, Console console) {
        throw new UnsupportedOperationException("no HAProxy output in this build");
    }

    static Many many(Path workDir, List<String> services) {
        throw new UnsupportedOperationException("no HAProxy output in this build");
    }

    interface Many extends AutoCloseable {
        SnapshotOutput output();

        int port(String service);

        @Override
        void close();
    }
}
