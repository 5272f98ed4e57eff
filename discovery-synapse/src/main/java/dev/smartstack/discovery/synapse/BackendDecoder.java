package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.DiscoveryMetrics;
import dev.smartstack.discovery.core.InvalidInstanceException;
import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.core.Validation;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one child znode of a watched service into a backend, or into nothing: decode with the
 * service's decoder, then label filters, then the port override. Untrusted data is refused here,
 * logged and counted once per znode version (its mzxid; for a path-encoded name, the name itself),
 * and reported to the watcher's listeners. O(1) per child, apart from the decoding itself. Not
 * thread-safe: the owning {@link ServiceWatch} calls it under its lock.
 */
final class BackendDecoder {
    private static final Logger log = LoggerFactory.getLogger(BackendDecoder.class);
    /** The mzxid given for a child decoded from its path-encoded name, which never changes. */
    static final long FROM_NAME = -2;

    private final WatchedService service;
    private final SynapseWatcher owner;
    private final Map<String, Long> refusedVersions = new HashMap<>();

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
            for (LabelFilter f : service.labelFilters()) {
                if (!f.test(i)) {
                    return Optional.empty();
                }
            }
            if (service.backendPortOverride().isPresent()) {
                i = i.withPort(service.backendPortOverride().getAsInt());
            }
            return Optional.of(i);
        } catch (InvalidInstanceException e) {
            refuse(child, path, mzxid, e.getMessage(), e.field());
        } catch (RuntimeException e) {
            refuse(child, path, mzxid, "decoder failed: " + Validation.quote(String.valueOf(e)), "decoder");
        }
        return Optional.empty();
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
        log.error("synapse '{}' refused znode {}: {}", service.name(), Validation.quote(path), reason);
        String detail = field == null ? "" : field.startsWith("labels.") ? "labels" : field;
        owner.metrics().increment(DiscoveryMetrics.ZNODE_REFUSED, service.name(), detail);
        owner.refused(service.name(), path, reason);
    }
}
