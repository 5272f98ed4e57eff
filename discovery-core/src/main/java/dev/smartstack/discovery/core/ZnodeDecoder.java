package dev.smartstack.discovery.core;

import java.util.Optional;

/**
 * Turns a znode's name and data into a {@link ServiceInstance}. The data is untrusted: a decoder
 * never returns an instance that fails {@link Validation}.
 *
 * <p>A decoder returns an empty result for a well-formed registration that is deliberately not
 * serving (a Curator instance with {@code enabled: false}, a ServerSet member whose status is not
 * {@code ALIVE}), and throws {@link InvalidInstanceException} for data that is malformed or
 * unsafe. Decoders are stateless and thread-safe.
 */
@FunctionalInterface
public interface ZnodeDecoder {

    /**
     * Decodes one znode.
     *
     * @param znodeName the child's own name, such as {@code node1_0000000003}
     * @param data the znode's data
     * @throws InvalidInstanceException when the data is not a valid, safe registration
     */
    Optional<ServiceInstance> decode(String znodeName, byte[] data);

    /** Airbnb Nerve's JSON: {@code {"host", "port", "name", "weight", "haproxy_server_options", "labels"}}. */
    static ZnodeDecoder nerve() {
        return NerveCodec::decode;
    }

    /**
     * Curator x-discovery's JSON: {@code {"name", "id", "address", "port", "sslPort", "enabled"}},
     * as Spring Cloud Zookeeper writes it too; an instance whose
     * {@code payload.metadata.instance_status} is {@code OUT_OF_SERVICE} is not serving.
     */
    static ZnodeDecoder curator() {
        return CuratorCodec::decode;
    }

    /**
     * Finagle ServerSet JSON. Only {@code ALIVE} members are returned.
     *
     * @param endpointName the entry of {@code additionalEndpoints} to use, or {@code null} for
     *     {@code serviceEndpoint}
     */
    static ZnodeDecoder serverSet(String endpointName) {
        return (name, data) -> ServerSetCodec.decode(name, data, endpointName);
    }

    /**
     * The decoder for a Synapse {@code discovery.decode.method}: {@code nerve}, {@code serverset}
     * or {@code curator}.
     *
     * @throws IllegalArgumentException for any other method
     */
    static ZnodeDecoder forMethod(String method, String endpointName) {
        return switch (method == null ? "nerve" : method) {
            case "nerve" -> nerve();
            case "serverset" -> serverSet(endpointName);
            case "curator" -> curator();
            default -> throw new IllegalArgumentException(
                    "decode method must be one of [nerve, serverset, curator] but was " + Validation.quote(method));
        };
    }
}
