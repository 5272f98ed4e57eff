package dev.smartstack.discovery.core;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Strict readers of untrusted JSON fields, shared by the codecs. */
final class Json {
    /**
     * Znode data is at most 1 MiB; these limits keep a hostile document cheap to refuse. A document
     * must be one JSON value and nothing after it: {@code {...}{...}} or {@code {...} junk} is
     * refused by {@link #readObject}, as Ruby's parser refuses it, instead of the first object
     * becoming a backend. A key given twice in one object is refused too: Nerve never writes
     * one, and since label values may be any scalar, {@code {"k":1,"k":1,...}} would otherwise
     * fold tens of kilobytes into one label.
     */
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(32).maxStringLength(64 * 1024).maxNumberLength(32).build());
    }

    private Json() {
    }

    static ObjectNode readObject(String znodeName, byte[] data) {
        if (data == null || data.length == 0) {
            throw new InvalidInstanceException("data", "znode " + Validation.quote(znodeName) + " has no data");
        }
        JsonNode node;
        try (JsonParser parser = MAPPER.createParser(data)) {
            node = MAPPER.readTree(parser);
            if (node != null && parser.nextToken() != null) {
                throw new InvalidInstanceException("data", "znode " + Validation.quote(znodeName)
                        + " must hold one JSON value but has more after it, from offset "
                        + parser.currentTokenLocation().getByteOffset());
            }
        } catch (JsonProcessingException e) {
            throw new InvalidInstanceException("data", "znode " + Validation.quote(znodeName)
                    + " is not valid JSON: " + Validation.quote(e.getOriginalMessage()), e);
        } catch (IOException e) {
            throw new InvalidInstanceException("data", "znode " + Validation.quote(znodeName)
                    + " could not be read: " + Validation.quote(e.getMessage()), e);
        }
        if (!(node instanceof ObjectNode object)) {
            throw new InvalidInstanceException("data", "znode " + Validation.quote(znodeName)
                    + " must hold a JSON object but held " + (node == null ? "nothing" : node.getNodeType()));
        }
        return object;
    }

    static String requiredString(JsonNode object, String field) {
        JsonNode n = object.get(field);
        if (n == null || n.isNull()) {
            throw new InvalidInstanceException(field, field + " is required");
        }
        if (!n.isTextual()) {
            throw new InvalidInstanceException(field, field + " must be a string but was " + n.getNodeType());
        }
        return n.textValue();
    }

    static String optionalString(JsonNode object, String field) {
        JsonNode n = object.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw new InvalidInstanceException(field, field + " must be a string but was " + n.getNodeType());
        }
        return n.textValue();
    }

    /** An integer, also accepted as a string of digits (Ruby writers are loose about this). */
    static Long optionalInteger(JsonNode object, String field) {
        JsonNode n = object.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isIntegralNumber() && n.canConvertToLong()) {
            return n.longValue();
        }
        if (n.isTextual() && n.textValue().matches("-?\\d{1,18}")) {
            return Long.parseLong(n.textValue());
        }
        throw new InvalidInstanceException(field, field + " must be an integer but was "
                + (n.isTextual() ? Validation.quote(n.textValue()) : n.toString().length() > 60
                        ? n.getNodeType().toString() : n.toString()));
    }

    static long requiredInteger(JsonNode object, String field) {
        Long value = optionalInteger(object, field);
        if (value == null) {
            throw new InvalidInstanceException(field, field + " is required");
        }
        return value;
    }

    /**
     * A flat object whose values are JSON scalars, as Ruby reads Nerve's {@code labels}: a number
     * or a boolean becomes its JSON text ({@code 3}, {@code true}), so that it compares as a string;
     * a null value is left out, which is how Ruby's lookup sees it too. An object or a list as a
     * value is refused.
     */
    static Map<String, String> optionalScalarMap(JsonNode object, String field) {
        JsonNode n = object.get(field);
        if (n == null || n.isNull()) {
            return Map.of();
        }
        if (!n.isObject()) {
            throw new InvalidInstanceException(field, field + " must be an object but was " + n.getNodeType());
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : n.properties()) {
            JsonNode v = e.getValue();
            if (v.isNull()) {
                continue;
            }
            if (!v.isValueNode() || v.isBinary() || v.isPojo()) {
                throw new InvalidInstanceException(field + "." + e.getKey(), field + " '" + e.getKey()
                        + "' must be a string, a number or a boolean but was " + v.getNodeType());
            }
            map.put(e.getKey(), v.asText());
        }
        return map;
    }
}
