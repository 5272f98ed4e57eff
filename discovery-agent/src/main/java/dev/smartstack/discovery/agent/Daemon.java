package dev.smartstack.discovery.agent;

import dev.smartstack.discovery.agent.config.ConfigException;
import dev.smartstack.discovery.core.internal.NamedThreadFactory;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an agent until the JVM shuts down (SIGTERM, SIGINT), and rebuilds it from its config file
 * on SIGHUP, as Ruby Nerve does: the file is read again; when it is invalid, one ERROR line is
 * logged and the running agent carries on with its old config; when it is valid and differs from
 * the running one, the running agent is first offered the new one to apply in place (see
 * {@link Reconfigurer}); when it declines, the old agent is closed and a new one started; when the
 * config is unchanged, nothing happens.
 *
 * <p>SIGHUP is caught with {@code sun.misc.Signal} (see {@link HangupSignal}). Where the platform refuses the handler, the daemon logs a WARN and runs
 * without reloads. The reload runs on the daemon thread {@code smartstack-<name>-reload-1}, never
 * on the signal thread, and never at the same time as a shutdown.
 *
 * @param <A> the agent
 * @param <C> its config, a value type whose {@code equals} tells whether the config changed
 */
final class Daemon<A extends AutoCloseable, C> {
    private static final Logger log = LoggerFactory.getLogger(Daemon.class);

    /** Reads the config file again; throws {@link ConfigException} when it is wrong. */
    interface Loader<A> {
        A load();
    }

    /**
     * Applies a newly loaded (never started) agent's config to the running agent in place.
     * Returns false, having changed nothing, when it cannot; the daemon then rebuilds.
     */
    interface Reconfigurer<A> {
        boolean reconfigure(A running, A next);
    }

    private final String name;
    private final Loader<A> loader;
    private final Function<A, C> configOf;
    private final Function<A, A> starter;
    private final Reconfigurer<A> reconfigurer;
    private final Object lock = new Object();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private ExecutorService reloads;
    private A current; // guarded by lock
    private boolean stopping; // guarded by lock

    Daemon(String name, Loader<A> loader, Function<A, C> configOf, Function<A, A> starter) {
        this(name, loader, configOf, starter, (running, next) -> false);
    }

    Daemon(String name, Loader<A> loader, Function<A, C> configOf, Function<A, A> starter,
            Reconfigurer<A> reconfigurer) {
        this.reconfigurer = Objects.requireNonNull(reconfigurer, "reconfigurer == null");
        this.name = Objects.requireNonNull(name, "name == null");
        this.loader = Objects.requireNonNull(loader, "loader == null");
        this.configOf = Objects.requireNonNull(configOf, "configOf == null");
        this.starter = Objects.requireNonNull(starter, "starter == null");
    }

    /** Starts {@code first}, then installs the SIGHUP handler and the shutdown hook. */
    Daemon<A, C> start(A first) {
        begin(first);
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "smartstack-" + name + "-shutdown"));
        try {
            HangupSignal.install(this::requestReload);
        } catch (UnsupportedOperationException e) {
            log.warn("{}: SIGHUP cannot be caught here, so the config is not reloaded on SIGHUP: {}", name, e.toString());
        }
        return this;
    }

    /** Starts {@code first} and the reload thread, without touching signals or shutdown hooks (tests use this). */
    Daemon<A, C> begin(A first) {
        synchronized (lock) {
            current = starter.apply(first);
        }
        reloads = Executors.newSingleThreadExecutor(new NamedThreadFactory("smartstack-" + name + "-reload"));
        return this;
    }

    /** Asks for a reload on the reload thread; returns at once. */
    void requestReload() {
        try {
            reloads.execute(this::reload);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("{}: reload ignored while stopping", name);
        }
    }

    /** Reads the config again and applies it (in place, or by swapping the agent) when it is valid and changed. */
    void reload() {
        synchronized (lock) {
            if (stopping) {
                return;
            }
            log.info("{}: SIGHUP: reading the config again", name);
            A next;
            try {
                next = loader.load();
            } catch (ConfigException e) {
                log.error("{}: config reload refused, still running the previous config: {}", name, e.getMessage());
                return;
            } catch (RuntimeException e) {
                log.error("{}: config reload failed, still running the previous config: {}", name, e.toString());
                return;
            }
            if (configOf.apply(next).equals(configOf.apply(current))) {
                log.info("{}: config unchanged; nothing to do", name);
                return;
            }
            try {
                if (reconfigurer.reconfigure(current, next)) {
                    log.info("{}: running the new config (applied in place)", name);
                    return;
                }
            } catch (RuntimeException e) {
                log.error("{}: applying the new config in place failed, rebuilding the agent: {}", name, e.toString());
            }
            closeQuietly(current);
            current = starter.apply(next);
            log.info("{}: running the new config", name);
        }
    }

    /** Closes the agent and releases {@link #awaitStopped()}. Idempotent. */
    void stop() {
        synchronized (lock) {
            if (!stopping) {
                stopping = true;
                if (reloads != null) {
                    reloads.shutdown();
                }
                closeQuietly(current);
            }
        }
        stopped.countDown();
    }

    /** The running agent. */
    A current() {
        synchronized (lock) {
            return current;
        }
    }

    void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    private void closeQuietly(A agent) {
        try {
            agent.close();
        } catch (Exception e) {
            log.error("{}: closing the agent failed: {}", name, e.toString());
        }
    }
}
