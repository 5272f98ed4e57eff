package dev.smartstack.discovery.synapse;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds out once whether the ZooKeeper server is 3.6 or newer: one multi-read of {@link #PATH},
 * which is never created. Multi-reads and persistent watches both came with 3.6; an older server
 * answers UNIMPLEMENTED (and drops the connection, once). A probe that fails for another reason is
 * sent again at the next {@link #probe}, which the watcher calls on every connection.
 */
final class ServerProbe {
    private static final Logger log = LoggerFactory.getLogger(ServerProbe.class);
    /** What the probe reads; the node itself is never created. */
    static final String PATH = "/smartstack-synapse-probe";

    private final AtomicBoolean answered = new AtomicBoolean();
    private final AtomicBoolean inFlight = new AtomicBoolean();
    private final Consumer<Boolean> onAnswer;

    /** {@code onAnswer} gets true for 3.6 or newer, false for older; once, on the ZooKeeper event thread. */
    ServerProbe(Consumer<Boolean> onAnswer) {
        this.onAnswer = onAnswer;
    }

    void probe(CuratorFramework client) {
        if (answered.get() || !inFlight.compareAndSet(false, true)) {
            return;
        }
        try {
            ChildWatch.zooKeeper(client).multi(List.of(Op.getData(PATH)), (rc, path, ctx, results) -> {
                inFlight.set(false);
                if (results != null || rc == KeeperException.Code.UNIMPLEMENTED.intValue()) {
                    if (answered.compareAndSet(false, true)) {
                        onAnswer.accept(results != null);
                    }
                } else {
                    log.debug("synapse server probe failed ({}); trying again on the next connection",
                            KeeperException.Code.get(rc));
                }
            }, null);
        } catch (Exception e) {
            inFlight.set(false);
            log.debug("synapse server probe could not be sent", e);
        }
    }

    /** No probe is needed any more (a test forced the answer). */
    void skip() {
        answered.set(true);
    }
}
