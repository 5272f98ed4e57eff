package dev.smartstack.discovery.agent;

import dev.smartstack.discovery.synapse.ServiceSnapshot;
import dev.smartstack.discovery.synapse.SnapshotOutput;
import java.util.Set;

/**
 * An output that never sees some services: Synapse's per-service {@code file_output: {disabled:
 * true}}. Whoever starts the target starts it without them, so their files are treated as any
 * unconfigured service's.
 */
final class ExcludingOutput implements SnapshotOutput {
    private final SnapshotOutput target;
    private final Set<String> excluded;

    ExcludingOutput(SnapshotOutput target, Set<String> excluded) {
        this.target = target;
        this.excluded = Set.copyOf(excluded);
    }

    @Override
    public void update(ServiceSnapshot snapshot) {
        if (!excluded.contains(snapshot.service())) {
            target.update(snapshot);
        }
    }

    @Override
    public String outputName() {
        return target.outputName();
    }

    @Override
    public String toString() {
        return target + " without " + excluded;
    }
}
