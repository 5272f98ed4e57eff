package dev.smartstack.discovery.nerve;

import dev.smartstack.discovery.core.DiscoveryMetrics;
import dev.smartstack.discovery.core.internal.Listeners;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one service's checks every {@code check_interval} on its own thread, whatever ZooKeeper
 * does: it never calls ZooKeeper and never waits for the thread that does. Each check runs on the
 * check pool under its own timeout; a check still running from an earlier round counts as a
 * failure instead of being started twice. After each round it feeds the results to the
 * {@link HealthStateMachine}, fires {@code up}/{@code down} on this thread, and hands the current
 * state ({@code null} while undecided) to {@code onRound}, which must not block.
 */
final class CheckRunner {
    private static final Logger log = LoggerFactory.getLogger(NerveReporter.class);

    private final NerveService service;
    private final String name;
    private final HealthStateMachine machine;
    private final Listeners<NerveListener> listeners;
    private final DiscoveryMetrics metrics;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService checkPool;
    private final List<TimedCheck> checks;
    private final Consumer<Boolean> onRound;
    private volatile boolean stopped;

    CheckRunner(NerveService service, HealthStateMachine machine, Listeners<NerveListener> listeners,
            DiscoveryMetrics metrics, ScheduledExecutorService scheduler, ExecutorService checkPool,
            Consumer<Boolean> onRound) {
        this.service = service;
        this.name = service.name();
        this.machine = machine;
        this.listeners = listeners;
        this.metrics = metrics;
        this.scheduler = scheduler;
        this.checkPool = checkPool;
        this.checks = service.checkEntries().stream().map(e -> new TimedCheck(e.check())).toList();
        this.onRound = onRound;
    }

    void start() {
        scheduler.scheduleWithFixedDelay(this::round, 0, service.checkInterval().toNanos(), TimeUnit.NANOSECONDS);
    }

    /** No round starts after this; a round in progress is interrupted. */
    void stop() {
        stopped = true;
        scheduler.shutdownNow();
        checkPool.shutdownNow();
    }

    private void round() {
        if (stopped) {
            return;
        }
        try {
            List<HealthResult> results = new ArrayList<>(checks.size());
            if (!service.checkMocked()) {
                for (TimedCheck c : checks) {
                    long started = System.nanoTime();
                    HealthResult result = c.run();
                    metrics.record(DiscoveryMetrics.CHECK_LATENCY, name, result.healthy() ? "healthy" : "unhealthy",
                            Duration.ofNanos(System.nanoTime() - started));
                    if (!result.healthy()) {
                        metrics.increment(DiscoveryMetrics.CHECK_FAILED, name, "");
                        log.debug("nerve '{}' check {} failed: {}", name, c.check, result.reason());
                    }
                    results.add(result);
                }
            }
            if (stopped) {
                return;
            }
            report(machine.round(results));
            onRound.accept(machine.up());
        } catch (Throwable t) {
            log.error("nerve '{}' check round failed", name, t);
        }
    }

    private void report(HealthStateMachine.Decision d) {
        String state = d.up() ? "up" : "down";
        switch (d.kind()) {
            case UNCHANGED -> {
                return;
            }
            case RATE_LIMITED -> {
                log.info("nerve '{}' is {} but the change is rate limited; will retry", name, state);
                return;
            }
            case CHANGED_SHADOW_LIMITED -> log.info("nerve '{}' would have been rate limited (shadow mode)", name);
            case CHANGED -> {
            }
        }
        if (d.up()) {
            log.info("nerve '{}' is up", name);
            listeners.fire(l -> l.up(name));
        } else {
            log.info("nerve '{}' is down: {}", name, d.reason());
            listeners.fire(l -> l.down(name, d.reason()));
        }
    }

    /** One check run under its timeout, never twice at once. */
    private final class TimedCheck {
        final HealthCheck check;
        final AtomicBoolean inFlight = new AtomicBoolean();

        TimedCheck(HealthCheck check) {
            this.check = check;
        }

        HealthResult run() {
            Duration timeout = check.timeout();
            if (!inFlight.compareAndSet(false, true)) {
                return HealthResult.unhealthy("check " + check + " is still running after its timeout of "
                        + timeout.toMillis() + " ms");
            }
            // Whoever claims the run first decides: the task (it runs the check and clears inFlight
            // when done) or a timeout before it started (the check will never run, so the timeout
            // clears inFlight; a cancelled FutureTask never calls the task, which would have).
            AtomicBoolean claimed = new AtomicBoolean();
            Future<HealthResult> f;
            try {
                f = checkPool.submit(() -> {
                    if (!claimed.compareAndSet(false, true)) {
                        return null;
                    }
                    try {
                        return check.check();
                    } finally {
                        inFlight.set(false);
                    }
                });
            } catch (RejectedExecutionException e) {
                inFlight.set(false);
                return HealthResult.unhealthy("closed");
            }
            try {
                HealthResult r = f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
                return r != null ? r : HealthResult.unhealthy("check " + check + " returned null");
            } catch (TimeoutException e) {
                if (claimed.compareAndSet(false, true)) {
                    inFlight.set(false);
                }
                f.cancel(true);
                return HealthResult.unhealthy("check " + check + " timed out after " + timeout.toMillis() + " ms");
            } catch (ExecutionException e) {
                return HealthResult.unhealthy("check " + check + " threw " + e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return HealthResult.unhealthy("interrupted");
            }
        }
    }
}
