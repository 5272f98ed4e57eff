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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
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
 * snapshot. The choice is made among the instances that pass the {@link Builder#filter filter},
 * without those that are down, by a {@link BalancingStrategy}. An instance is down for
 * {@link Builder#errorTimeout(Duration)} (default 10 s) once {@link #noteError(ServiceInstance)}
 * has been called {@link Builder#errorThreshold(int)} times (default 1) within
 * {@link Builder#errorWindow(Duration)} (default 10 s), as Curator's {@code DownInstancePolicy}
 * does; when every instance is down, all of them are used again rather than none (fail open).
 * When no instance passes the filter, {@link #next()} and {@link #acquire()} throw
 * {@link NoInstanceAvailableException}.
 *
 * <p>An instance that leaves and comes back (same key) while leases on it are still open keeps
 * its outstanding count: the count is forgotten only once it is zero.
 */
public final class ServiceProvider implements SnapshotOutput {
    private static final Logger log = LoggerFactory.getLogger(ServiceProvider.class);

    /** The default {@link Builder#errorTimeout(Duration)}. */
    public static final Duration DEFAULT_ERROR_TIMEOUT = Duration.ofSeconds(10);

    /** The default {@link Builder#errorWindow(Duration)}. */
    public static final Duration DEFAULT_ERROR_WINDOW = Duration.ofSeconds(10);

    /** The named {@link BalancingStrategy}s. */
    public enum Strategy {
        /** Each instance in turn. */
        ROUND_ROBIN,
        /** Uniformly at random. */
        RANDOM,
        /** Two at random, and the one with fewer outstanding {@link Lease}s. O(1) per pick. */
        POWER_OF_TWO_CHOICES,
        /** The instance with the fewest outstanding {@link Lease}s (ties: in turn). O(N) per pick. */
        LEAST_OUTSTANDING,
        /** At random in proportion to Nerve's {@code weight}. */
        WEIGHTED,
        /** The same instance while it is available; a new one, round robin, when it is not. */
        STICKY;

        /** A new strategy of this kind (round robin and sticky keep state per provider). */
        public BalancingStrategy create() {
            return switch (this) {
                case ROUND_ROBIN -> BalancingStrategy.roundRobin();
                case RANDOM -> BalancingStrategy.random();
                case POWER_OF_TWO_CHOICES -> BalancingStrategy.powerOfTwoChoices();
                case LEAST_OUTSTANDING -> BalancingStrategy.leastOutstanding();
                case WEIGHTED -> BalancingStrategy.weighted();
                case STICKY -> BalancingStrategy.sticky(BalancingStrategy.roundRobin());
            };
        }
    }

    private final String service;
    private final BalancingStrategy strategy;
    private final Predicate<ServiceInstance> filter;
    private final DownInstances down;
    private final Clock clock;
    private volatile List<ServiceInstance> instances = List.of();
    private final Map<String, AtomicInteger> outstanding = new ConcurrentHashMap<>();

    private ServiceProvider(Builder b) {
        this.service = b.service;
        this.strategy = b.strategy;
        this.filter = b.filter;
        this.clock = b.clock;
        this.down = new DownInstances(b.errorTimeout, b.errorThreshold, b.errorWindow, b.clock);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The service this provider balances. */
    public String service() {
        return service;
    }

    public BalancingStrategy strategy() {
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
            down.retainAll(keys);
            // A count with open leases is kept: if the instance comes back before they close, it
            // still counts them (a count dropped here would start again at 0, then go negative).
            outstanding.entrySet().removeIf(e -> !keys.contains(e.getKey()) && e.getValue().get() == 0);
        }
    }

    /** {@code provider}. */
    @Override
    public String outputName() {
        return "provider";
    }

    /** Every current instance, including those filtered out or down. */
    public List<ServiceInstance> instances() {
        return instances;
    }

    /**
     * The instances {@link #next()} chooses from now: those that pass the filter, without those
     * that are down, unless all of those are down.
     */
    public List<ServiceInstance> available() {
        List<ServiceInstance> all = instances;
        if (filter != null) {
            List<ServiceInstance> passed = new ArrayList<>(all.size());
            for (ServiceInstance i : all) {
                if (filter.test(i)) {
                    passed.add(i);
                }
            }
            all = passed;
        }
        if (!down.anyDown()) {
            return all;
        }
        Instant now = clock.instant();
        List<ServiceInstance> ok = new ArrayList<>(all.size());
        for (ServiceInstance i : all) {
            if (!down.isDown(i.key(), now)) {
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
        return strategy.pick(list, this::outstanding);
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

    /**
     * Counts an error of {@code instance}; the threshold-th within the window takes it out of
     * {@link #next()}'s choice for the error timeout.
     */
    public void noteError(ServiceInstance instance) {
        Objects.requireNonNull(instance, "instance == null");
        if (down.noteError(instance.key())) {
            log.debug("service provider '{}' takes {} out for {}", service, instance.address(), down.timeout());
        }
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
        private BalancingStrategy strategy = BalancingStrategy.roundRobin();
        private Predicate<ServiceInstance> filter;
        private Duration errorTimeout = DEFAULT_ERROR_TIMEOUT;
        private int errorThreshold = 1;
        private Duration errorWindow = DEFAULT_ERROR_WINDOW;
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
            this.strategy = Objects.requireNonNull(strategy, "strategy == null").create();
            return this;
        }

        /** Any strategy, such as {@code BalancingStrategy.sticky(BalancingStrategy.weighted())}. */
        public Builder strategy(BalancingStrategy strategy) {
            this.strategy = Objects.requireNonNull(strategy, "strategy == null");
            return this;
        }

        /**
         * Only instances that pass are ever chosen (Curator's {@code InstanceFilter}); called on
         * every pick, so it must be quick. Default: all pass.
         */
        public Builder filter(Predicate<ServiceInstance> filter) {
            this.filter = Objects.requireNonNull(filter, "filter == null");
            return this;
        }

        /** How many {@link #noteError} calls within the window take an instance out; default 1. */
        public Builder errorThreshold(int threshold) {
            if (threshold < 1) {
                throw new IllegalArgumentException("errorThreshold must be at least 1 but was " + threshold);
            }
            this.errorThreshold = threshold;
            return this;
        }

        /** The window in which errors count towards the threshold; default 10 s. */
        public Builder errorWindow(Duration window) {
            Objects.requireNonNull(window, "errorWindow == null");
            if (window.isNegative() || window.isZero()) {
                throw new IllegalArgumentException("errorWindow must be positive but was " + window);
            }
            this.errorWindow = window;
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
