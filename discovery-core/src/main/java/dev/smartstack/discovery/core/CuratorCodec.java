package dev.smartstack.discovery.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/**
 * Reads Curator x-discovery's {@code ServiceInstance} JSON: {@code id} becomes the name,
 * {@code address} the host, and {@code port} (else {@code sslPort}) the port. An instance with
 * {@code "enabled": false} is well-formed but not serving, and decodes to an empty result; so is
 * one that Spring Cloud Zookeeper marked out of service ({@code payload.metadata.instance_status}
 * {@value #OUT_OF_SERVICE}, as its service-registry endpoint writes it).
 */
final class CuratorCodec {
    /** Spring Cloud's status of an instance taken out of rotation. */
    static final String OUT_OF_SERVICE = "OUT_OF_SERVICE";
    private static final String INSTANCE_STATUS = "/payload/metadata/instance_status";

    private CuratorCodec() {
    }

    static Optional<ServiceInstance> decode(String znodeName, byte[] data) {
        ObjectNode json = Json.readObject(znodeName, data);
        try {
            JsonNode enabled = json.get("enabled");
            if (enabled != null && !enabled.isNull()) {
                if (!enabled.isBoolean()) {
                    throw new InvalidInstanceException("enabled", "enabled must be a boolean but was " + enabled.getNodeType());
                }
                if (!enabled.booleanValue()) {
                    return Optional.empty();
                }
            }
            // The payload is the writer's own type; only this one well-known field is read from it.
            JsonNode status = json.at(INSTANCE_STATUS);
            if (status.isTextual() && OUT_OF_SERVICE.equalsIgnoreCase(status.textValue())) {
                return Optional.empty();
            }
            String id = Json.optionalString(json, "id");
            if (id == null || id.isEmpty()) {
                id = znodeName;
            }
            String address = Json.requiredString(json, "address");
            Long port = Json.optionalInteger(json, "port");
            if (port == null) {
                port = Json.optionalInteger(json, "sslPort");
            }
            if (port == null) {
                throw new InvalidInstanceException("port", "port or sslPort is required");
            }
            return Optional.of(ServiceInstance.builder()
                    .name(id)
                    .host(address)
                    .port(Validation.requireValidPort("port", port))
                    .znodeName(znodeName)
                    .build());
        } catch (InvalidInstanceException e) {
            throw new InvalidInstanceException(e.field(),
                    "znode " + Validation.quote(znodeName) + ": " + e.getMessage(), e);
        }
    }
}
