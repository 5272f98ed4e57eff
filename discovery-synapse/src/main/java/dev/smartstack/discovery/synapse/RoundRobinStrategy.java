package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.ServiceInstance;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;

/** {@link BalancingStrategy#roundRobin()}. */
final class RoundRobinStrategy implements BalancingStrategy {
    private final AtomicInteger turn = new AtomicInteger();

    @Override
    public ServiceInstance pick(List<ServiceInstance> candidates, ToIntFunction<ServiceInstance> outstanding) {
        return candidates.get(Math.floorMod(turn.getAndIncrement(), candidates.size()));
    }

    @Override
    public String toString() {
        return "round robin";
    }
}
