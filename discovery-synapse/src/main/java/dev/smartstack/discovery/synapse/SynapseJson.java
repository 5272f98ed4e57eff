package dev.smartstack.discovery.synapse;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smartstack.discovery.core.ServiceInstance;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** The JSON this module writes: the file output's backend arrays and the state file. */
final class SynapseJson {
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(64).maxStringLength(16 * 1024 * 1024).build());
    }

    private SynapseJson() {
    }

    /**
     * Ruby Synapse's backend hash: {@code name, host, port, id, weight, haproxy_server_options,
     * labels}, with {@code null} where a value is absent, as Ruby's {@code to_json} writes it.
     * {@code id} is the znode's sequence number, or {@code null}.
     */
    static ArrayNode backendsArray(List<ServiceInstance> backends) {
        ArrayNode array = MAPPER.createArrayNode();
        for (ServiceInstance i : backends) {
            ObjectNode o = array.addObject();
            o.put("name", i.name());
            o.put("host", i.host());
            o.put("port", i.port());
            if (i.sequence() >= 0) {
                o.put("id", i.sequence());
            } else {
                o.putNull("id");
            }
            if (i.weight().isPresent()) {
                o.put("weight", i.weight().getAsInt());
            } else {
                o.putNull("weight");
            }
            o.put("haproxy_server_options", i.haproxyServerOptions().orElse(null));
            if (i.labels().isEmpty()) {
                o.putNull("labels"); // Ruby writes the znode's absent labels as null
            } else {
                ObjectNode labels = o.putObject("labels");
                i.labels().forEach(labels::put);
            }
        }
        return array;
    }

    /** Writes {@code content} to {@code target} through a temporary file in the same directory and an atomic rename. */
    static void writeAtomically(Path target, byte[] content) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path temp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        try {
            Files.write(temp, content);
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
