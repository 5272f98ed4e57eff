package dev.smartstack.discovery.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/**
 * Reads Finagle ServerSet JSON:
 * {@code {"serviceEndpoint": {"host", "port"}, "additionalEndpoints": {name: {"host", "port"}},
 * "status": "ALIVE", "shard": 0}}. Members whose status is not {@code ALIVE} decode to an empty
 * result. The znode name becomes the instance name.
 */
final class ServerSetCodec {
    private ServerSetCodec() {
    }

    static Optional<ServiceInstance> decode(String znodeName, byte[] data, String endpointName) {
        ObjectNode json = Json.readObject(znodeName, data);
        try {
            String status = Json.optionalString(json, "status");
            if (status != null && !"ALIVE".equals(status)) {
                return Optional.empty();
            }
            JsonNode endpoint;
            String field;
            if (endpointName == null || endpointName.isEmpty()) {
                field = "serviceEndpoint";
                endpoint = json.get(field);
            } else {
                field = "additionalEndpoints." + endpointName;
                JsonNode additional = json.get("additionalEndpoints");
                endpoint = additional == null || !additional.isObject() ? null : additional.get(endpointName);
            }
            if (endpoint == null || !endpoint.isObject()) {
                throw new InvalidInstanceException(field, field + " must be an object with host and port");
            }
            String host = Json.requiredString(endpoint, "host");
            long port = Json.requiredInteger(endpoint, "port");
            return Optional.of(ServiceInstance.builder()
                    .name(znodeName)
                    .host(host)
                    .port(Validation.requireValidPort(field + ".port", port))
                    .znodeName(znodeName)
                    .build());
        } catch (InvalidInstanceException e) {
            throw new InvalidInstanceException(e.field(),
                    "znode " + Validation.quote(znodeName) + ": " + e.getMessage(), e);
        }
    }
}
