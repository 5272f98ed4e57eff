package dev.smartstack.discovery.nerve;

import dev.smartstack.discovery.core.DiscoveryException;
import dev.smartstack.discovery.core.DiscoveryMetrics;
import dev.smartstack.discovery.core.NerveCodec;
import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.core.internal.Listeners;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorTransactionResult;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Converges one service's znode in ZooKeeper to what is wanted now: registered, with the current
 * data, while the latest check result is up and the service is neither in maintenance nor closing;
 * not registered otherwise.
 *
 * <p>All ZooKeeper calls run on its own thread ({@code smartstack-nerve-<service>-N}), which may
 * block in Curator's retries while ZooKeeper is away; nothing else waits for it. Inputs arrive
 * through volatile fields and a coalescing {@link #nudge()}, so a burst of changes costs one pass,
 * and a pass re-reads what is wanted after every call that may have blocked: an instance that went
 * down while ZooKeeper was away is never registered when it returns.
 */
final class RegistrationReconciler {
    private static final Logger log = LoggerFactory.getLogger(NerveReporter.class);

    private final NerveService service;
    private final String name;
    private final CuratorFramework client;
    private final Listeners<NerveListener> listeners;
    private final DiscoveryMetrics metrics;
    private final ExecutorService executor;
    private final StaleRegistrations stale;
    private final AtomicBoolean pending = new AtomicBoolean();
    private final OwnedNodes ours;
    private final boolean persistent;

    private volatile Boolean healthy;
    private volatile boolean maintenance;
    private volatile boolean closing;
    private volatile ServiceInstance instance;
    private volatile String path;
    // Written only on the executor thread: what the node at path holds, and its prefix.
    private byte[] written;
    private String writtenPrefix;
    /**
     * Whether a node of ours may exist that {@link #path} does not name: at start (an earlier
     * reporter on the same client) and after a create that failed (its response may have been lost
     * after the server made the node). While it is set, a pass that wants no node sweeps.
     */
    private boolean sweepNeeded = true;
    private String lastFailure;

    RegistrationReconciler(NerveService service, CuratorFramework client, Listeners<NerveListener> listeners,
            DiscoveryMetrics metrics, ExecutorService executor) {
        this.service = service;
        this.name = service.name();
        this.client = client;
        this.listeners = listeners;
        this.metrics = metrics;
        this.executor = executor;
        this.instance = service.instance();
        this.ours = new OwnedNodes(service.nodeType());
        this.ours.wrote(service.nodePrefix(), NerveCodec.encode(instance));
        this.persistent = service.nodeType().persistent();
        this.stale = new StaleRegistrations(name, client, service.zkPath(), ours, persistent);
    }

    /** The registered znode's full path, or null. */
    String path() {
        return path;
    }

    /** The latest check result: true up, false down, null undecided. */
    void healthy(Boolean up) {
        healthy = up;
        nudge();
    }

    boolean maintenance(boolean on) {
        boolean changed = maintenance != on;
        maintenance = on;
        nudge();
        return changed;
    }

    /** New data for the registration; a registered node is brought up to date. */
    void instance(ServiceInstance data) {
        instance = data;
        nudge();
    }

    /** Asks for a pass; passes asked for while one is queued are one pass. */
    void nudge() {
        if (pending.compareAndSet(false, true)) {
            try {
                executor.execute(() -> {
                    pending.set(false);
                    reconcile();
                });
            } catch (RejectedExecutionException e) {
                pending.set(false); // shut down
            }
        }
    }

    /**
     * From now on nothing is wanted: returns the pass that deletes the node.
     *
     * @throws RejectedExecutionException when already shut down
     */
    Future<?> closeAndDeregister() {
        closing = true;
        return executor.submit(this::reconcile);
    }

    /**
     * Ruby Nerve's TTL renewal: writes the registered node's data again, so that its mtime shows
     * that its owner lives. Runs on the registration thread; nothing happens when not registered.
     */
    void renew() {
        try {
            executor.execute(this::touch);
        } catch (RejectedExecutionException e) {
            // shut down
        }
    }

    private void touch() {
        String current = path;
        if (current == null || !client.getZookeeperClient().isConnected()) {
            return;
        }
        try {
            client.setData().forPath(current, written);
            log.debug("nerve '{}' ttl renew: touched {}", name, current);
        } catch (KeeperException.NoNodeException e) {
            log.info("nerve '{}' ttl renew: {} is gone", name, current);
            reconcile();
        } catch (Exception e) {
            log.warn("nerve '{}' ttl renew of {} failed, will retry: {}", name, current, e.toString());
        }
    }

    void shutdown() {
        executor.shutdownNow();
    }

    private boolean wanted() {
        return Boolean.TRUE.equals(healthy) && !maintenance && !closing;
    }

    private void reconcile() {
        String current = path;
        if (!wanted() && current == null && !sweepNeeded) {
            return;
        }
        if (persistent && current == null && healthy == null && !closing) {
            // No check verdict yet: a persistent node left by an earlier run with our identity waits for
            // the first one, as in Ruby (taken over on the first up, swept on the first down).
            return;
        }
        if (!client.getZookeeperClient().isConnected()) {
            if (closing && current != null) {
                log.warn("nerve '{}' cannot deregister {}: not connected; {}", name, current, persistent
                        ? "a persistent node stays until a reaper deletes it" : "it goes when the session ends");
            }
            return;
        }
        try {
            long session = client.getZookeeperClient().getZooKeeper().getSessionId();
            if (!wanted()) {
                if (current != null) {
                    deregister(current);
                } else {
                    ours.addSession(session);
                    stale.remove(null);
                    sweepNeeded = false;
                }
            } else if (current == null) {
                register(session);
            } else {
                verify(current, session);
            }
            lastFailure = null;
        } catch (Exception e) {
            String where = current != null ? current : service.nodePrefix(instance);
            String failure = e.toString();
            if (failure.equals(lastFailure)) {
                log.debug("nerve '{}' ZooKeeper operation on {} failed again: {}", name, where, failure);
            } else {
                log.warn("nerve '{}' ZooKeeper operation on {} failed, will retry: {}", name, where, failure);
            }
            lastFailure = failure;
            DiscoveryException error = new DiscoveryException(name, where, "ZooKeeper operation failed: " + e, e);
            listeners.fire(l -> l.error(name, error));
        }
    }

    /** Registered and wanted: is the node still ours, with the current data? */
    private void verify(String current, long session) throws Exception {
        Stat stat = client.checkExists().forPath(current);
        // A persistent node outlives our sessions: while it exists under the path we created, it is ours.
        if (stat != null && (persistent ? stat.getEphemeralOwner() == 0 : stat.getEphemeralOwner() == session)) {
            if (!wanted()) {
                deregister(current);
                return;
            }
            ServiceInstance data = instance;
            if (!Arrays.equals(NerveCodec.encode(data), written)) {
                rewrite(current, data, session);
            }
            return;
        }
        path = null;
        if (stat != null && wanted() && !persistent && ours.isOurSession(stat.getEphemeralOwner())) {
            // Our earlier session's node, kept alive by a server that was away as long as we were: replace
            // it in one transaction, so that the instance is never registered twice, nor missing.
            log.warn("nerve '{}' registration {} belongs to our earlier session 0x{}; replacing it", name, current,
                    Long.toHexString(stat.getEphemeralOwner()));
            fireDeregistered(current);
            if (replace(current, stat.getVersion(), session)) {
                return;
            }
        } else {
            log.warn("nerve '{}' registration {} is gone (session expired or node deleted); registering again", name, current);
            fireDeregistered(current);
        }
        if (!wanted()) {
            // It went down while we asked: do not register, and do not leave our old session's node.
            if (stat != null && ours.owns(stat)) {
                deleteQuietly(current);
            }
            return;
        }
        register(session);
    }

    private void register(long session) throws Exception {
        ours.addSession(session);
        ServiceInstance data = instance;
        String created = create(data, session);
        metrics.increment(DiscoveryMetrics.REGISTERED, name, "");
        log.info("nerve '{}' registered {}", name, created);
        listeners.fire(l -> l.registered(name, created));
        try {
            stale.remove(created);
            sweepNeeded = false;
        } catch (Exception e) {
            // An old session's node still goes when the server expires that session.
            log.warn("nerve '{}' could not look for stale registrations next to {}: {}", name, created, e.toString());
        }
    }

    /**
     * Deletes {@code old} (at {@code version}) and creates this instance's node in one multi; false,
     * having changed nothing, when {@code old} is gone already (its session was reaped meanwhile).
     */
    private boolean replace(String old, int version, long session) throws Exception {
        ours.addSession(session);
        ServiceInstance data = instance;
        byte[] bytes = NerveCodec.encode(data);
        String prefix = service.nodePrefix(data);
        ours.wrote(prefix, bytes);
        CreateMode mode = service.nodeType() == NerveService.NodeType.EPHEMERAL_SEQUENTIAL
                ? CreateMode.EPHEMERAL_SEQUENTIAL : CreateMode.EPHEMERAL;
        List<CuratorTransactionResult> results;
        try {
            results = client.transaction().forOperations(
                    client.transactionOp().delete().withVersion(version).forPath(old),
                    client.transactionOp().create().withMode(mode).forPath(prefix, bytes));
        } catch (KeeperException.NoNodeException | KeeperException.BadVersionException e) {
            return false;
        } catch (Exception e) {
            sweepNeeded = true;
            throw e;
        }
        String created = results.get(1).getResultPath();
        path = created;
        written = bytes;
        writtenPrefix = prefix;
        metrics.increment(DiscoveryMetrics.REGISTERED, name, "");
        log.info("nerve '{}' registered {}, replacing {} in one transaction", name, created, old);
        listeners.fire(l -> l.registered(name, created));
        return true;
    }

    /**
     * The data changed while registered. A plain name keeps its node and gets the new data; a
     * path-encoded name is created anew under its new name, then the old node is deleted, so the
     * instance always has a node.
     */
    private void rewrite(String current, ServiceInstance data, long session) throws Exception {
        byte[] bytes = NerveCodec.encode(data);
        if (service.nodePrefix(data).equals(writtenPrefix)) {
            client.setData().forPath(current, bytes);
            written = bytes;
            ours.wrote(writtenPrefix, bytes);
            log.info("nerve '{}' updated the data of {}", name, current);
            return;
        }
        String created = create(data, session);
        metrics.increment(DiscoveryMetrics.REGISTERED, name, "");
        log.info("nerve '{}' registered {} for its new data, replacing {}", name, created, current);
        listeners.fire(l -> l.registered(name, created));
        deleteQuietly(current);
        fireDeregistered(current);
    }

    /** Creates the node for {@code data}; on return it is {@link #path}. */
    private String create(ServiceInstance data, long session) throws Exception {
        byte[] bytes = NerveCodec.encode(data);
        String prefix = service.nodePrefix(data);
        ours.wrote(prefix, bytes);
        String created;
        try {
            created = switch (service.nodeType()) {
                case EPHEMERAL_SEQUENTIAL -> client.create().creatingParentContainersIfNeeded()
                        .withMode(CreateMode.EPHEMERAL_SEQUENTIAL).forPath(prefix, bytes);
                case PERSISTENT_SEQUENTIAL -> client.create().creatingParentContainersIfNeeded()
                        .withMode(CreateMode.PERSISTENT_SEQUENTIAL).forPath(prefix, bytes);
                case EPHEMERAL, PERSISTENT -> createPlain(prefix, bytes, session);
            };
        } catch (Exception e) {
            sweepNeeded = true;
            throw e;
        }
        path = created;
        written = bytes;
        writtenPrefix = prefix;
        return created;
    }

    /** A name without a sequence: an existing node under it is adopted when it is ours. */
    private String createPlain(String prefix, byte[] data, long session) throws Exception {
        CreateMode mode = persistent ? CreateMode.PERSISTENT : CreateMode.EPHEMERAL;
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                return client.create().creatingParentContainersIfNeeded().withMode(mode).forPath(prefix, data);
            } catch (KeeperException.NodeExistsException e) {
                Stat existing = client.checkExists().forPath(prefix);
                if (existing == null) {
                    continue;
                }
                if (persistent && existing.getEphemeralOwner() == 0) {
                    // Ruby: the node of an earlier run with our identity (or our own lost create) is taken over.
                    client.setData().forPath(prefix, data);
                    log.info("nerve '{}' took over the existing persistent node {}", name, prefix);
                    return prefix;
                }
                if (existing.getEphemeralOwner() == session) {
                    // Our own create whose response was lost: adopt it with the current data.
                    client.setData().forPath(prefix, data);
                    return prefix;
                }
                if (!ours.isOurSession(existing.getEphemeralOwner())) {
                    throw new DiscoveryException(name, prefix, "node exists and belongs to session 0x"
                            + Long.toHexString(existing.getEphemeralOwner()) + ", which is not ours");
                }
                log.info("nerve '{}' deleting {} left by our expired session 0x{}", name, prefix,
                        Long.toHexString(existing.getEphemeralOwner()));
                deleteQuietly(prefix);
            }
        }
        throw new DiscoveryException(name, prefix, "node keeps appearing while we create it");
    }

    private void deregister(String current) throws Exception {
        Stat stat = client.checkExists().forPath(current);
        if (stat != null && ours.owns(stat)) {
            deleteQuietly(current);
        }
        path = null;
        fireDeregistered(current);
    }

    private void fireDeregistered(String p) {
        metrics.increment(DiscoveryMetrics.DEREGISTERED, name, "");
        log.info("nerve '{}' deregistered {}", name, p);
        listeners.fire(l -> l.deregistered(name, p));
    }

    private void deleteQuietly(String p) throws Exception {
        StaleRegistrations.deleteQuietly(client, p);
    }
}
