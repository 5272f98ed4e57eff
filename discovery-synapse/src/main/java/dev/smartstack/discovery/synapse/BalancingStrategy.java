package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.ServiceInstance;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * How a {@link ServiceProvider} picks one instance among those it may use now. Implementations
 * are thread-safe and quick: {@link #pick} runs on every request.
 */
@FunctionalInterface
public interface BalancingStrategy {

    /**
     * Picks one of {@code candidates}.
     *
     * @param candidates at least one instance, in the snapshot's order (filtered, without those
     *     that are down unless all are)
     * @param outstanding the number of open leases on an instance
     */
    ServiceInstance pick(List<ServiceInstance> candidates, ToIntFunction<ServiceInstance> outstanding);

    /** Each instance in turn. */
    static BalancingStrategy roundRobin() {
        return new RoundRobinStrategy();
    }

    /** Uniformly at random. */
    static BalancingStrategy random() {
        return RandomStrategy.INSTANCE;
    }

    /** Two at random, and the one with fewer outstanding leases. O(1) per pick. */
    static BalancingStrategy powerOfTwoChoices() {
        return PowerOfTwoChoicesStrategy.INSTANCE;
    }

    /** The instance with the fewest outstanding leases, ties in turn. O(N) per pick. */
    static BalancingStrategy leastOutstanding() {
        return new LeastOutstandingStrategy();
    }

    /**
     * At random in proportion to Nerve's {@code weight} (an instance without one weighs 1, as in
     * HAProxy; weight 0 gets no requests while any instance weighs more). O(N) per pick.
     */
    static BalancingStrategy weighted() {
        return WeightedStrategy.INSTANCE;
    }

    /**
     * Keeps picking the same instance while it is a candidate; when it is gone (or down), picks a
     * new one with {@code first} and sticks to that (Curator's {@code StickyStrategy}).
     */
    static BalancingStrategy sticky(BalancingStrategy first) {
        return new StickyStrategy(first);
    }
}
