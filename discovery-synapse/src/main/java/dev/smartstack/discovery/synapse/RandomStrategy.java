package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.ServiceInstance;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.ToIntFunction;

/** {@link BalancingStrategy#random()}. */
final class RandomStrategy implements BalancingStrategy {
    static final RandomStrategy INSTANCE = new RandomStrategy();

    @Override
    public ServiceInstance pick(List<ServiceInstance> candidates, ToIntFunction<ServiceInstance> outstanding) {
        return candidates.get(ThreadLocalRandom.current().nextInt(candidates.size()));
    }

    @Override
    public String toString() {
        return "random";
    }
}
