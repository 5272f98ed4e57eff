package dev.smartstack.discovery.agent.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Reads a config file (JSON or YAML, Synapse's through {@link Erb} first) and binds it with
 * Jackson onto records: snake_case keys, unknown keys refused, no coercion between strings,
 * numbers and booleans. Every failure is a one-line {@link ConfigException} naming the file and
 * the key path, what was expected and what was found; the rules declared on the records
 * ({@link Rules}) are then checked by {@link RecordRules}.
 */
final class ConfigBinder {
    // One document per file: content after it (a second object, junk) is an error, not ignored.
    private static final ObjectMapper JSON = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    private static final ObjectMapper YAML = YAMLMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    private static final ObjectMapper BINDER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .withCoercionConfig(LogicalType.Textual, c -> c
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .withCoercionConfig(LogicalType.Boolean, c -> c
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.String, CoercionAction.Fail))
            .withCoercionConfig(LogicalType.Integer, c -> c
                    .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail))
            .withCoercionConfig(LogicalType.Float, c -> c.setCoercion(CoercionInputShape.String, CoercionAction.Fail))
            .withCoercionConfig(LogicalType.POJO, c -> c
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.String, CoercionAction.Fail))
            .build();

    private static final java.util.regex.Pattern UNRECOGNIZED_TOKEN = java.util.regex.Pattern.compile("^Unrecognized token '.*?':");

    private ConfigBinder() {
    }

    /**
     * Reads a JSON or YAML file ({@code .yaml}/{@code .yml} are YAML; anything else is JSON unless
     * it does not start with <code>{</code>), rendering ERB first when {@code env} is not null.
     * Its top level must be an object.
     *
     * @param shownAs the file's name as it appears in error messages
     */
    static JsonNode readTree(Path file, String shownAs, Map<String, String> env) {
        String text;
        try {
            text = Files.readString(file);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new ConfigException(shownAs, "", "cannot read the file: it is not UTF-8 text");
        } catch (IOException e) {
            throw new ConfigException(shownAs, "", "cannot read the file (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        }
        if (env != null) {
            text = Erb.render(text, env, shownAs);
        }
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean yaml = name.endsWith(".yaml") || name.endsWith(".yml")
                || (!name.endsWith(".json") && !text.stripLeading().startsWith("{"));
        return parse(text, yaml, shownAs);
    }

    /**
     * Parses one JSON or YAML document whose top level must be an object (a file's text, or a
     * znode's data).
     */
    static JsonNode parse(String text, boolean yaml, String shownAs) {
        JsonNode root;
        try {
            root = (yaml ? YAML : JSON).readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : "line " + at.getLineNr() + ", column " + at.getColumnNr() + ": ";
            String message = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage();
            // Jackson quotes a bare word, which may be a password typed without its quotes (zk_auth, zk_tls).
            String first = UNRECOGNIZED_TOKEN.matcher(message.lines().findFirst().orElse(""))
                    .replaceFirst("Unrecognized token (not shown; a string needs quotes):");
            throw new ConfigException(shownAs, "", where + "invalid " + (yaml ? "YAML" : "JSON") + ": " + first);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new ConfigException(shownAs, "", "the file is empty");
        }
        if (!root.isObject()) {
            throw new ConfigException(shownAs, "", "expected an object at the top level but was " + RecordRules.describe(root));
        }
        return root;
    }

    /**
     * Binds {@code tree} onto {@code type} and checks its rules.
     *
     * @param path the key path of {@code tree} in the file, empty for the top level
     */
    static <T> T bind(JsonNode tree, Class<T> type, String file, String path) {
        T value;
        try {
            value = BINDER.treeToValue(tree, type);
        } catch (JsonProcessingException e) {
            throw translate(e, tree, type, file, path);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(file, path, String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
        }
        RecordRules.validate(value, tree, file, path);
        return value;
    }

    private static ConfigException translate(JsonProcessingException e, JsonNode tree, Class<?> type, String file,
            String base) {
        List<Object> steps = steps(e);
        StringBuilder path = new StringBuilder(base);
        JsonNode found = tree;
        for (Object step : steps) {
            if (step instanceof Integer i) {
                path.append('[').append(i).append(']');
                found = found == null ? null : found.get(i);
            } else {
                path.append(path.length() == 0 ? "" : ".").append(step);
                found = found == null ? null : found.get((String) step);
            }
        }
        if (e instanceof UnrecognizedPropertyException u) {
            TreeSet<String> known = new TreeSet<>();
            u.getKnownPropertyIds().forEach(k -> known.add(k.toString()));
            return new ConfigException(file, path.toString(), "unknown key; supported keys here are " + String.join(", ", known));
        }
        return new ConfigException(file, path.toString(), "expected " + RecordRules.expectedAt(type, steps) + " but was "
                + RecordRules.describe(found));
    }

    /** The keys and indexes from the top of the bound tree to where {@code e} happened. */
    private static List<Object> steps(JsonProcessingException e) {
        List<Object> steps = new ArrayList<>();
        if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
            for (JsonMappingException.Reference r : m.getPath()) {
                steps.add(r.getFieldName() != null ? r.getFieldName() : (Object) r.getIndex());
            }
            return steps;
        }
        if (e.getProcessor() instanceof JsonParser p) {
            for (JsonStreamContext c = p.getParsingContext(); c != null && !c.inRoot(); c = c.getParent()) {
                steps.add(c.inArray() ? (Object) c.getCurrentIndex() : c.getCurrentName());
            }
            Collections.reverse(steps);
        }
        return steps;
    }
}
