package dev.smartstack.discovery.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Airbnb Nerve's znode format. Nerve creates {@code <zk_path>/<instance_id>_} as
 * {@code EPHEMERAL_SEQUENTIAL} and writes
 * {@code {"host": ..., "port": ..., "name": <instance_id>}}, plus {@code weight},
 * {@code haproxy_server_options} and {@code labels} when they are set. We write exactly that, so
 * Ruby Synapse reads our registrations and we read Ruby Nerve's.
 */
public final class NerveCodec {
    private static final Pattern CHILD_PREFIX = Pattern.compile("(.*)_\\d{10}");

    private NerveCodec() {
    }

    /** The JSON that Nerve writes for {@code instance}. The znode name is not part of the data. */
    public static byte[] encode(ServiceInstance instance) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("host", instance.host());
        node.put("port", instance.port());
        node.put("name", instance.name());
        instance.weight().ifPresent(w -> node.put("weight", w));
        instance.haproxyServerOptions().ifPresent(o -> node.put("haproxy_server_options", o));
        if (!instance.labels().isEmpty()) {
            ObjectNode labels = node.putObject("labels");
            instance.labels().forEach(labels::put);
        }
        try {
            return Json.MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + instance, e);
        }
    }

    /**
     * Reads Nerve's JSON. Unknown fields are ignored. When {@code name} is missing, the znode name
     * without its sequence suffix is used, as Nerve uses the instance id as the child prefix.
     *
     * @throws InvalidInstanceException when a field is missing, of the wrong type or unsafe
     */
    public static Optional<ServiceInstance> decode(String znodeName, byte[] data) {
        ObjectNode json = Json.readObject(znodeName, data);
        try {
            String host = Json.requiredString(json, "host");
            long port = Json.requiredInteger(json, "port");
            String name = Json.optionalString(json, "name");
            if (name == null || name.isEmpty()) {
                name = instanceIdOf(znodeName);
            }
            Long weight = Json.optionalInteger(json, "weight");
            ServiceInstance.Builder b = ServiceInstance.builder()
                    .host(host)
                    .port(Validation.requireValidPort("port", port))
                    .name(name)
                    .haproxyServerOptions(Json.optionalString(json, "haproxy_server_options"))
                    .labels(Json.optionalScalarMap(json, "labels"))
                    .znodeName(znodeName);
            if (weight != null) {
                b.weight(Validation.requireValidWeight(weight));
            }
            return Optional.of(b.build());
        } catch (InvalidInstanceException e) {
            throw new InvalidInstanceException(e.field(),
                    "znode " + Validation.quote(znodeName) + ": " + e.getMessage(), e);
        }
    }

    /** The instance id that Nerve used as the child-name prefix of {@code znodeName}. */
    public static String instanceIdOf(String znodeName) {
        if (znodeName == null) {
            return null;
        }
        Matcher m = CHILD_PREFIX.matcher(znodeName);
        return m.matches() ? m.group(1) : znodeName;
    }
}
