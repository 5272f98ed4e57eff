package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.ServiceInstance;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.ToIntFunction;

/** {@link BalancingStrategy#weighted()}: weighted random over Nerve's {@code weight}. */
final class WeightedStrategy implements BalancingStrategy {
    static final WeightedStrategy INSTANCE = new WeightedStrategy();
    /** HAProxy's default server weight, for an instance that states none. */
    static final int DEFAULT_WEIGHT = 1;

    static int weight(ServiceInstance i) {
        return i.weight().orElse(DEFAULT_WEIGHT);
    }

    @Override
    public ServiceInstance pick(List<ServiceInstance> candidates, ToIntFunction<ServiceInstance> outstanding) {
        long total = 0;
        for (ServiceInstance i : candidates) {
            total += weight(i);
        }
        if (total == 0) {
            // Every candidate weighs 0: fail open, as for instances that are all down.
            return RandomStrategy.INSTANCE.pick(candidates, outstanding);
        }
        long ticket = ThreadLocalRandom.current().nextLong(total);
        for (ServiceInstance i : candidates) {
            ticket -= weight(i);
            if (ticket < 0) {
                return i;
            }
        }
        throw new AssertionError("weights changed while picking");
    }

    @Override
    public String toString() {
        return "weighted";
    }
}
