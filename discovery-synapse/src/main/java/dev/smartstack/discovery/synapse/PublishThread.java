package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.internal.NamedThreadFactory;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link SynapseWatcher}'s one publish thread ({@code smartstack-synapse-publish-1}): every
 * snapshot is built and handed to the outputs there, one at a time, in the order the changes were
 * scheduled.
 */
final class PublishThread {
    private static final Logger log = LoggerFactory.getLogger(PublishThread.class);

    private final ExecutorService executor;
    private volatile Thread thread;

    PublishThread() {
        ThreadFactory names = new NamedThreadFactory("smartstack-synapse-publish");
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = names.newThread(r);
            thread = t;
            return t;
        });
    }

    /** Runs {@code task} on the publish thread; after {@link #close()} it is dropped. */
    void execute(String service, Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            log.debug("synapse '{}' change after close ignored", service);
        }
    }

    /**
     * Returns once every task scheduled before this call has run (at most {@code timeout}); at once
     * on the publish thread itself, where no other task can be running.
     */
    void awaitEarlierTasks(Duration timeout) {
        if (Thread.currentThread() == thread) {
            return;
        }
        try {
            executor.submit(() -> { }).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RejectedExecutionException | ExecutionException | TimeoutException e) {
            log.debug("synapse publish thread not awaited", e);
        }
    }

    /** Lets the scheduled tasks finish (bounded), then stops the thread. */
    void close(Duration timeout) {
        shutdown(executor, timeout);
    }

    static void shutdown(ExecutorService executor, Duration timeout) {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
