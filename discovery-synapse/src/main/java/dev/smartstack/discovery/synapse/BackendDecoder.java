package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.DiscoveryMetrics;
import dev.smartstack.discovery.core.InvalidInstanceException;
import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.core.Validation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one child znode of a watched service into a backend, or into nothing: decode with the
 * service's decoder, then label filters, then the port override. Untrusted data is refused here,
 * once per znode version (its mzxid; for a path-encoded name, the name itself): {@link #decode}
 * notes the refusal, and {@link #report} logs, counts and tells the watcher's listeners, after the
 * caller released its lock. O(1) per child, apart from the decoding itself. Not thread-safe: the
 * owning {@link ServiceWatch} calls {@link #decode} and {@link #takeRefusals} under its lock.
 */
final class BackendDecoder {
    private static final Logger log = LoggerFactory.getLogger(BackendDecoder.class);
    /** The mzxid given for a child decoded from its path-encoded name, which never changes. */
    static final long FROM_NAME = -2;

    private final WatchedService service;
    private final SynapseWatcher owner;
    private final Map<String, Long> refusedVersions = new HashMap<>();
    private List<Refusal> refusals = List.of();

    /** A refused znode, to be reported. */
    record Refusal(String path, String reason, String field) {
    }

    BackendDecoder(WatchedService service, SynapseWatcher owner) {
        this.service = service;
        this.owner = owner;
    }

    /**
     * The backend for {@code child} with {@code data}, or empty when it is refused, filtered out, or
     * deliberately not serving.
     *
     * @param mzxid the zxid of the data's last change ({@link #FROM_NAME} for a path-encoded name)
     * @param path the znode's full path, for the refusal report
     */
    Optional<ServiceInstance> decode(String child, byte[] data, long mzxid, String path) {
        try {
            Optional<ServiceInstance> decoded = service.decoder().decode(child, data == null ? new byte[0] : data);
            refusedVersions.remove(child);
            if (decoded.isEmpty()) {
                return decoded;
            }
            ServiceInstance i = decoded.get();
            if (!child.equals(i.znodeName().orElse(null))) {
                i = i.withZnodeName(child);
            }
            return accept(i);
        } catch (InvalidInstanceException e) {
            refuse(child, path, mzxid, e.getMessage(), e.field());
        } catch (RuntimeException e) {
            refuse(child, path, mzxid, "decoder failed: " + Validation.quote(String.valueOf(e)), "decoder");
        }
        return Optional.empty();
    }

    /**
     * What every discovery method shares after its own decoding: the label filters, then the port
     * override. Empty when a filter leaves the backend out.
     */
    Optional<ServiceInstance> accept(ServiceInstance i) {
        for (LabelFilter f : service.labelFilters()) {
            if (!f.test(i)) {
                return Optional.empty();
            }
        }
        if (service.backendPortOverride().isPresent()) {
            i = i.withPort(service.backendPortOverride().getAsInt());
        }
        return Optional.of(i);
    }

    /** The child is gone: a znode created later under the same name is reported again. */
    void forget(String child) {
        refusedVersions.remove(child);
    }

    private void refuse(String child, String path, long mzxid, String reason, String field) {
        Long last = refusedVersions.put(child, mzxid);
        if (last != null && last == mzxid) {
            return;
        }
        if (refusals.isEmpty()) {
            refusals = new ArrayList<>();
        }
        refusals.add(new Refusal(path, reason, field));
    }

    /** The refusals noted since the last call, for {@link #report} once the lock is released. */
    List<Refusal> takeRefusals() {
        List<Refusal> taken = refusals;
        refusals = List.of();
        return taken;
    }

    /** Logs, counts and reports refusals; called without a lock held. */
    void report(List<Refusal> taken) {
        for (Refusal r : taken) {
            log.error("synapse '{}' refused znode {}: {}", service.name(), Validation.quote(r.path()), r.reason());
            String field = r.field();
            String detail = field == null ? "" : field.startsWith("labels.") ? "labels" : field;
            owner.metrics().increment(DiscoveryMetrics.ZNODE_REFUSED, service.name(), detail);
            owner.refused(service.name(), r.path(), r.reason());
        }
    }
}
