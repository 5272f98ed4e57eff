package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.ServiceInstance;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToIntFunction;

/** {@link BalancingStrategy#sticky(BalancingStrategy)}. */
final class StickyStrategy implements BalancingStrategy {
    private final BalancingStrategy first;
    private final AtomicReference<ServiceInstance> current = new AtomicReference<>();

    StickyStrategy(BalancingStrategy first) {
        this.first = Objects.requireNonNull(first, "first == null");
    }

    @Override
    public ServiceInstance pick(List<ServiceInstance> candidates, ToIntFunction<ServiceInstance> outstanding) {
        ServiceInstance stuck = current.get();
        if (stuck != null) {
            for (ServiceInstance c : candidates) {
                // By key: the same registration, even if the snapshot holds a new copy of it.
                if (c.key().equals(stuck.key())) {
                    return c;
                }
            }
        }
        ServiceInstance chosen = first.pick(candidates, outstanding);
        current.set(chosen);
        return chosen;
    }

    @Override
    public String toString() {
        return "sticky over " + first;
    }
}
