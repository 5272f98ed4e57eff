package dev.smartstack.discovery.synapse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smartstack.discovery.core.InvalidInstanceException;
import dev.smartstack.discovery.core.NerveCodec;
import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.core.Validation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last known backends of every service, kept on disk so that a watcher started while
 * ZooKeeper is down has something to serve. The file is JSON:
 * {@code {"version": 1, "services": {"web": {"saved_at": "...", "backends": [{nerve fields..., "znode": "..."}]}}}}.
 * It is written through a temporary file and an atomic rename, and only when a service's backends
 * changed, or, while its view is live, when its entry is older than a quarter of the TTL (the watcher
 * checks every quarter of the TTL), so that a quiet service stays fresh.
 * On load every backend is validated like znode data; bad entries are refused one by one.
 */
final class StateFile {
    private static final Logger log = LoggerFactory.getLogger(StateFile.class);

    record Entry(Instant savedAt, List<ServiceInstance> backends) {
    }

    private final Path path;
    private final Duration ttl;
    private final Clock clock;
    private final Map<String, Entry> entries = new TreeMap<>(); // guarded by this

    StateFile(Path path, Duration ttl, Clock clock) {
        this.path = path;
        this.ttl = ttl;
        this.clock = clock;
    }

    Path path() {
        return path;
    }

    Duration ttl() {
        return ttl;
    }

    /**
     * Reads the file. Entries older than the TTL, entries of services not in {@code services}, and
     * backends that fail validation are dropped. A missing or unreadable file gives nothing; this
     * never throws.
     */
    synchronized Map<String, Entry> load(java.util.Set<String> services) {
        JsonNode root;
        try {
            root = SynapseJson.MAPPER.readTree(Files.readAllBytes(path));
        } catch (NoSuchFileException e) {
            log.info("synapse state file {} does not exist yet", path);
            return Map.of();
        } catch (IOException | RuntimeException e) {
            log.error("synapse state file {} cannot be read, ignoring it: {}", path, Validation.quote(e.getMessage()));
            return Map.of();
        }
        Map<String, Entry> loaded = new HashMap<>();
        JsonNode servicesNode = root == null ? null : root.get("services");
        if (servicesNode == null || !servicesNode.isObject()) {
            log.error("synapse state file {} has no \"services\" object, ignoring it", path);
            return Map.of();
        }
        Instant now = clock.instant();
        for (Map.Entry<String, JsonNode> e : servicesNode.properties()) {
            String service = e.getKey();
            if (!services.contains(service)) {
                continue;
            }
            JsonNode savedAtNode = e.getValue().get("saved_at");
            JsonNode backendsNode = e.getValue().get("backends");
            Instant savedAt;
            try {
                savedAt = Instant.parse(savedAtNode == null ? "" : savedAtNode.asText());
            } catch (DateTimeParseException ex) {
                log.error("synapse '{}' state file {} entry has no valid saved_at, ignoring it", service, path);
                continue;
            }
            if (Duration.between(savedAt, now).compareTo(ttl) > 0) {
                log.info("synapse '{}' state file {} entry saved at {} is older than {}, ignoring it", service, path,
                        savedAt, ttl);
                continue;
            }
            if (backendsNode == null || !backendsNode.isArray()) {
                log.error("synapse '{}' state file {} entry has no backends array, ignoring it", service, path);
                continue;
            }
            List<ServiceInstance> backends = new ArrayList<>();
            for (JsonNode b : backendsNode) {
                decode(service, b).ifPresent(backends::add);
            }
            Entry entry = new Entry(savedAt, List.copyOf(backends));
            loaded.put(service, entry);
            entries.put(service, entry);
        }
        return loaded;
    }

    private Optional<ServiceInstance> decode(String service, JsonNode b) {
        try {
            if (!(b instanceof ObjectNode o)) {
                throw new InvalidInstanceException("data", "backend must be a JSON object but was " + b.getNodeType());
            }
            ObjectNode copy = o.deepCopy();
            JsonNode znode = copy.remove("znode");
            String znodeName = znode != null && znode.isTextual() ? znode.textValue() : null;
            if (znodeName != null && (znodeName.isEmpty() || znodeName.contains("/")
                    || Validation.hasControlCharacter(znodeName) || znodeName.length() > 255)) {
                throw new InvalidInstanceException("znode", "znode must be a plain znode name but was "
                        + Validation.quote(znodeName));
            }
            Optional<ServiceInstance> decoded = NerveCodec.decode(znodeName == null ? "state-file" : znodeName,
                    SynapseJson.MAPPER.writeValueAsBytes(copy));
            return znodeName == null ? decoded.map(i -> i.toBuilder().znodeName(null).build()) : decoded;
        } catch (IOException | RuntimeException e) {
            log.error("synapse '{}' state file {} refused a backend: {}", service, path,
                    Validation.quote(e.getMessage()));
            return Optional.empty();
        }
    }

    /** Records {@code snapshot}'s backends; true when the file needs writing. */
    synchronized boolean record(ServiceSnapshot snapshot) {
        Entry old = entries.get(snapshot.service());
        Instant now = clock.instant();
        if (old != null && old.backends().equals(snapshot.backends())
                && Duration.between(old.savedAt(), now).compareTo(ttl.dividedBy(4)) < 0) {
            return false;
        }
        entries.put(snapshot.service(), new Entry(now, snapshot.backends()));
        return true;
    }

    /** Writes every entry; logs (and does not throw) on failure. */
    void write() {
        byte[] bytes;
        synchronized (this) {
            ObjectNode root = SynapseJson.MAPPER.createObjectNode();
            root.put("version", 1);
            ObjectNode services = root.putObject("services");
            for (Map.Entry<String, Entry> e : entries.entrySet()) {
                ObjectNode s = services.putObject(e.getKey());
                s.put("saved_at", e.getValue().savedAt().toString());
                ArrayNode backends = s.putArray("backends");
                for (ServiceInstance i : e.getValue().backends()) {
                    try {
                        ObjectNode b = (ObjectNode) SynapseJson.MAPPER.readTree(NerveCodec.encode(i));
                        i.znodeName().ifPresent(z -> b.put("znode", z));
                        backends.add(b);
                    } catch (IOException ex) {
                        throw new IllegalStateException("cannot encode " + i, ex);
                    }
                }
            }
            try {
                bytes = SynapseJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
            } catch (IOException ex) {
                throw new IllegalStateException("cannot encode the state file", ex);
            }
        }
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            SynapseJson.writeAtomically(path, bytes);
        } catch (IOException | RuntimeException e) {
            log.warn("synapse state file {} could not be written: {}", path, Validation.quote(String.valueOf(e)));
        }
    }
}
