package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.ServiceInstance;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.ToIntFunction;

/** {@link BalancingStrategy#powerOfTwoChoices()}. */
final class PowerOfTwoChoicesStrategy implements BalancingStrategy {
    static final PowerOfTwoChoicesStrategy INSTANCE = new PowerOfTwoChoicesStrategy();

    @Override
    public ServiceInstance pick(List<ServiceInstance> candidates, ToIntFunction<ServiceInstance> outstanding) {
        int n = candidates.size();
        if (n == 1) {
            return candidates.get(0);
        }
        ThreadLocalRandom r = ThreadLocalRandom.current();
        int a = r.nextInt(n);
        int b = r.nextInt(n - 1);
        if (b >= a) {
            b++;
        }
        ServiceInstance x = candidates.get(a);
        ServiceInstance y = candidates.get(b);
        return outstanding.applyAsInt(x) <= outstanding.applyAsInt(y) ? x : y;
    }

    @Override
    public String toString() {
        return "power of two choices";
    }
}
