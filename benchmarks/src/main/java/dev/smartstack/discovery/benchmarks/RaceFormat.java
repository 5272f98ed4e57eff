package dev.smartstack.discovery.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smartstack.discovery.core.NerveCodec;
import dev.smartstack.discovery.core.PathEncoding;
import dev.smartstack.discovery.core.ServiceInstance;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.curator.x.discovery.details.JsonInstanceSerializer;
import org.apache.zookeeper.CreateMode;

/**
 * The znode formats that {@link WatchRace} writes: Curator x-discovery's (an EPHEMERAL child named by
 * the instance id, which ServiceCache and our {@code curator} decoder both read), and Nerve's (an
 * EPHEMERAL_SEQUENTIAL child {@code <name>_}, or {@code base64_<L>_<B64>_} with path encoding).
 */
enum RaceFormat {
    CURATOR("curator", "curator"),
    NERVE("nerve", "nerve"),
    NERVE_ENCODED("nerve-encoded", "nerve");

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonInstanceSerializer<String> CURATOR_JSON = new JsonInstanceSerializer<>(String.class);

    private final String label;
    private final String decodeMethod;

    RaceFormat(String label, String decodeMethod) {
        this.label = label;
        this.decodeMethod = decodeMethod;
    }

    String label() {
        return label;
    }

    /** Synapse's {@code discovery.decode.method} for this format. */
    String decodeMethod() {
        return decodeMethod;
    }

    CreateMode createMode() {
        return this == CURATOR ? CreateMode.EPHEMERAL : CreateMode.EPHEMERAL_SEQUENTIAL;
    }

    /** Whether a data change is a re-created node with a new name (path encoding) rather than a setData. */
    boolean replacesOnDataChange() {
        return this == NERVE_ENCODED;
    }

    /** The data of instance {@code name} on 127.0.0.1:{@code port}. */
    byte[] data(String service, String name, int port) {
        if (this == CURATOR) {
            try {
                return CURATOR_JSON.serialize(new org.apache.curator.x.discovery.ServiceInstance<String>(service, name,
                        "127.0.0.1", port, null, null, 0L, org.apache.curator.x.discovery.ServiceType.DYNAMIC, null));
            } catch (Exception e) {
                throw new IllegalStateException("cannot serialize instance " + name, e);
            }
        }
        return NerveCodec.encode(ServiceInstance.of(name, "127.0.0.1", port));
    }

    /** The child name to create (before ZooKeeper's sequence suffix, for the sequential formats). */
    String childName(String name, byte[] data) {
        return switch (this) {
            case CURATOR -> name;
            case NERVE -> name + "_";
            case NERVE_ENCODED -> PathEncoding.childPrefix(data)
                    .orElseThrow(() -> new IllegalStateException("instance " + name + " too long to encode"));
        };
    }

    /** The port in a znode's data (the same JSON key in both formats). */
    static int portOf(byte[] data) {
        try {
            return MAPPER.readTree(data).path("port").asInt(-1);
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable znode data", e);
        }
    }
}
