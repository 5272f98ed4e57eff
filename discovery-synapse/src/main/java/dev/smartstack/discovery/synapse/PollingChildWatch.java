package dev.smartstack.discovery.synapse;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.utils.ZKPaths;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The poll source (Ruby Synapse's {@code zookeeper_poll}, for operators who want no watches on
 * their ensemble): every {@code interval}, one sync of the children without any watch, that is one
 * {@code getChildren} and ⌈N / 1,000⌉ multi-reads of the children whose name does not carry their
 * data (Ruby reads each child with its own {@code get}: 1 + N requests per poll). A poll still
 * running when the next one is due is not doubled. A reconnect polls at once.
 */
final class PollingChildWatch implements ChildWatch {
    private static final Logger log = LoggerFactory.getLogger(PollingChildWatch.class);

    private final ServiceWatch view;
    private final Duration interval;
    private final ChildrenSync sync;
    private final ScheduledExecutorService timer;
    private final AtomicBoolean closed = new AtomicBoolean();

    PollingChildWatch(ServiceWatch view, CuratorFramework client, Duration interval) {
        this.view = view;
        this.interval = interval;
        this.sync = new ChildrenSync(view, client, ZKPaths.fixForNamespace(client.getNamespace(), view.path()));
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "synapse-poll-" + view.name());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void start() {
        long millis = interval.toMillis();
        timer.scheduleWithFixedDelay(this::poll, 0, millis, TimeUnit.MILLISECONDS);
        log.info("synapse '{}' polls {} every {} ms, without watches", view.name(), view.path(), millis);
    }

    @Override
    public void reconnected() {
        pollNow();
    }

    /** Polls now, on the poll thread, besides the regular polls. */
    void pollNow() {
        if (!closed.get()) {
            try {
                timer.execute(this::poll);
            } catch (java.util.concurrent.RejectedExecutionException closedMeanwhile) {
                // closed: nothing to poll
            }
        }
    }

    private void poll() {
        if (closed.get()) {
            return;
        }
        try {
            view.pollDue();
            sync.run();
        } catch (Throwable t) {
            log.error("synapse '{}' failed to poll {}", view.name(), view.path(), t);
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            timer.shutdownNow();
        }
    }
}
