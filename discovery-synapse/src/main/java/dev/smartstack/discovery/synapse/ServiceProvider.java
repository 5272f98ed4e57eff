package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.core.Validation;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In-process client-side load balancing over one service's backends: an output of a
 * {@link SynapseWatcher} that applications ask for the next instance to call.
 *
 * <pre>{@code
 * ServiceProvider web = ServiceProvider.builder().service("web")
 *         .strategy(ServiceProvider.Strategy.LEAST_OUTSTANDING).build();
 * // ... SynapseWatcher.builder().output(web) ...
 * try (ServiceProvider.Lease lease = web.acquire()) {
 *     call(lease.instance());
 * } catch (IOException e) {
 *     web.noteError(lease.instance());
 * }
 * }</pre>
 *
 * <p>Thread-safe. Reads are lock-free: the backends are an immutable list replaced whole on each
 * snapshot. {@link #noteError(ServiceInstance)} takes an instance out for
 * {@link Builder#errorTimeout(Duration)} (default 10 s); when every instance is out, all of them
 * are used again rather than none (fail open). When the service has no instance at all,
 * {@link #next()} and {@link #acquire()} throw {@link NoInstanceAvailableException}.
 */
public final class ServiceProvider implements SnapshotOutput {
    private static final Logger log = LoggerFactory.getLogger(ServiceProvider.class);

    /** The default {@link Builder#errorTimeout(Duration)}. */
    public static final Duration DEFAULT_ERROR_TIMEOUT = Duration.ofSeconds(10);

    /** How {@link #next()} picks an instance. */
    public enum Strategy {
        /** Each instance in turn. */
        ROUND_ROBIN,
        /** Uniformly at random. */
        RANDOM,
        /** Two at random, and the one with fewer outstanding {@link Lease}s. O(1) per pick. */
        POWER_OF_TWO_CHOICES,
        /** The instance with the fewest outstanding {@link Lease}s (ties: in turn). O(N) per pick. */
        LEAST_OUTSTANDING
    }

    private final String service;
    private final Strategy strategy;
    private final Duration errorTimeout;
    private final Clock clock;
    private volatile List<ServiceInstance> instances = List.of();
    private final Map<String, Instant> excludedUntil = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> outstanding = new ConcurrentHashMap<>();
    private final AtomicInteger turn = new AtomicInteger();

    private ServiceProvider(Builder b) {
        this.service = b.service;
        this.strategy = b.strategy;
        this.errorTimeout = b.errorTimeout;
        this.clock = b.clock;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The service this provider balances. */
    public String service() {
        return service;
    }

    public Strategy strategy() {
        return strategy;
    }

    @Override
    public void update(ServiceSnapshot snapshot) {
        if (!snapshot.service().equals(service)) {
            return;
        }
        instances = snapshot.backends();
        if (!snapshot.removed().isEmpty()) {
            Set<String> keys = new HashSet<>();
            for (ServiceInstance i : snapshot.backends()) {
                keys.add(i.key());
            }
            excludedUntil.keySet().retainAll(keys);
            outstanding.keySet().retainAll(keys);
        }
    }

    /** Every current instance, including those taken out by {@link #noteError}. */
    public List<ServiceInstance> instances() {
        return instances;
    }

    /** The instances {@link #next()} chooses from now: without those taken out, unless all are. */
    public List<ServiceInstance> available() {
        List<ServiceInstance> all = instances;
        if (excludedUntil.isEmpty()) {
            return all;
        }
        Instant now = clock.instant();
        List<ServiceInstance> ok = new ArrayList<>(all.size());
        for (ServiceInstance i : all) {
            Instant until = excludedUntil.get(i.key());
            if (until == null) {
                ok.add(i);
            } else if (!now.isBefore(until)) {
                excludedUntil.remove(i.key(), until);
                ok.add(i);
            }
        }
        return ok.isEmpty() ? all : ok;
    }

    /**
     * The next instance to call, by the strategy.
     *
     * @throws NoInstanceAvailableException when the service has no instance
     */
    public ServiceInstance next() {
        List<ServiceInstance> list = available();
        if (list.isEmpty()) {
            throw new NoInstanceAvailableException(service);
        }
        int n = list.size();
        if (n == 1) {
            return list.get(0);
        }
        return switch (strategy) {
            case ROUND_ROBIN -> list.get(Math.floorMod(turn.getAndIncrement(), n));
            case RANDOM -> list.get(ThreadLocalRandom.current().nextInt(n));
            case POWER_OF_TWO_CHOICES -> {
                ThreadLocalRandom r = ThreadLocalRandom.current();
                int a = r.nextInt(n);
                int b = r.nextInt(n - 1);
                if (b >= a) {
                    b++;
                }
                ServiceInstance x = list.get(a);
                ServiceInstance y = list.get(b);
                yield outstanding(x) <= outstanding(y) ? x : y;
            }
            case LEAST_OUTSTANDING -> {
                // Ties go round: starting at the same instance every time would send every request
                // of a caller that waits for each answer (all counts 0) to that one instance.
                int start = Math.floorMod(turn.getAndIncrement(), n);
                ServiceInstance best = list.get(start);
                int bestCount = outstanding(best);
                for (int k = 1; k < n && bestCount > 0; k++) {
                    ServiceInstance candidate = list.get((start + k) % n);
                    int c = outstanding(candidate);
                    if (c < bestCount) {
                        best = candidate;
                        bestCount = c;
                    }
                }
                yield best;
            }
        };
    }

    /**
     * The next instance, counted as one outstanding request until the lease is closed.
     *
     * @throws NoInstanceAvailableException when the service has no instance
     */
    public Lease acquire() {
        ServiceInstance i = next();
        AtomicInteger counter = outstanding.computeIfAbsent(i.key(), k -> new AtomicInteger());
        counter.incrementAndGet();
        return new Lease(i, counter);
    }

    /** The number of open leases on {@code instance}. */
    public int outstanding(ServiceInstance instance) {
        AtomicInteger c = outstanding.get(instance.key());
        return c == null ? 0 : c.get();
    }

    /** Takes {@code instance} out of {@link #next()}'s choice for the error timeout. */
    public void noteError(ServiceInstance instance) {
        Objects.requireNonNull(instance, "instance == null");
        excludedUntil.put(instance.key(), clock.instant().plus(errorTimeout));
        log.debug("service provider '{}' takes {} out for {}", service, instance.address(), errorTimeout);
    }

    @Override
    public String toString() {
        return "ServiceProvider{" + service + ", " + strategy + ", " + instances.size() + " instances}";
    }

    /** One outstanding request on an instance; {@link #close()} ends it (more than once is harmless). */
    public static final class Lease implements AutoCloseable {
        private final ServiceInstance instance;
        private final AtomicInteger counter;
        private final AtomicBoolean closed = new AtomicBoolean();

        private Lease(ServiceInstance instance, AtomicInteger counter) {
            this.instance = instance;
            this.counter = counter;
        }

        public ServiceInstance instance() {
            return instance;
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                counter.decrementAndGet();
            }
        }
    }

    /** Builds a {@link ServiceProvider}; {@code service} is required. */
    public static final class Builder {
        private String service;
        private Strategy strategy = Strategy.ROUND_ROBIN;
        private Duration errorTimeout = DEFAULT_ERROR_TIMEOUT;
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** Required: the watched service to balance over. */
        public Builder service(String service) {
            this.service = service;
            return this;
        }

        /** Default {@link Strategy#ROUND_ROBIN}. */
        public Builder strategy(Strategy strategy) {
            this.strategy = Objects.requireNonNull(strategy, "strategy == null");
            return this;
        }

        /** How long {@link #noteError} takes an instance out; default 10 s. */
        public Builder errorTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "errorTimeout == null");
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("errorTimeout must not be negative but was " + timeout);
            }
            this.errorTimeout = timeout;
            return this;
        }

        /** Default {@link Clock#systemUTC()}. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock == null");
            return this;
        }

        public ServiceProvider build() {
            if (service == null) {
                throw new IllegalArgumentException("ServiceProvider needs a service: service == null");
            }
            if (!Validation.isValidName(service)) {
                throw new IllegalArgumentException("service name must be 1 to " + Validation.MAX_NAME_LENGTH
                        + " characters of [A-Za-z0-9._:@-] but was " + Validation.quote(service));
            }
            return new ServiceProvider(this);
        }
    }
}
