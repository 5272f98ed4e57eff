package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.ServiceInstance;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;

/** {@link BalancingStrategy#leastOutstanding()}. */
final class LeastOutstandingStrategy implements BalancingStrategy {
    private final AtomicInteger turn = new AtomicInteger();

    @Override
    public ServiceInstance pick(List<ServiceInstance> candidates, ToIntFunction<ServiceInstance> outstanding) {
        // Ties go round: starting at the same instance every time would send every request of a
        // caller that waits for each answer (all counts 0) to that one instance.
        int n = candidates.size();
        int start = Math.floorMod(turn.getAndIncrement(), n);
        ServiceInstance best = candidates.get(start);
        int bestCount = outstanding.applyAsInt(best);
        for (int k = 1; k < n && bestCount > 0; k++) {
            ServiceInstance candidate = candidates.get((start + k) % n);
            int c = outstanding.applyAsInt(candidate);
            if (c < bestCount) {
                best = candidate;
                bestCount = c;
            }
        }
        return best;
    }

    @Override
    public String toString() {
        return "least outstanding";
    }
}
