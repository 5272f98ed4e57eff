package dev.smartstack.discovery.agent.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.smartstack.discovery.core.Validation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * One object of a config file, with its file and key path, and strict typed accessors whose errors
 * name both. Jackson parses the file; this class only walks the tree.
 */
public final class ConfigNode {
    private static final Pattern HOST_PORT = Pattern.compile("(.+):(\\d{1,5})");

    // One document per file: content after it (a second object, junk) is an error, not ignored.
    private static final ObjectMapper JSON = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    private static final ObjectMapper YAML = YAMLMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

    private final String file;
    private final String path;
    private final JsonNode node;

    private ConfigNode(String file, String path, JsonNode node) {
        this.file = file;
        this.path = path;
        this.node = node;
    }

    /**
     * Reads a JSON or YAML file ({@code .yaml}/{@code .yml} are YAML; anything else is JSON unless
     * it does not start with <code>{</code>). Its top level must be an object.
     *
     * @param shownAs the file's name as it appears in error messages
     */
    public static ConfigNode read(Path file, String shownAs) {
        String text;
        try {
            text = Files.readString(file);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new ConfigException(shownAs, "", "cannot read the file: it is not UTF-8 text");
        } catch (IOException e) {
            throw new ConfigException(shownAs, "", "cannot read the file (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        }
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        boolean yaml = name.endsWith(".yaml") || name.endsWith(".yml")
                || (!name.endsWith(".json") && !text.stripLeading().startsWith("{"));
        JsonNode root;
        try {
            root = (yaml ? YAML : JSON).readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : "line " + at.getLineNr() + ", column " + at.getColumnNr() + ": ";
            String message = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage();
            throw new ConfigException(shownAs, "", where + "invalid " + (yaml ? "YAML" : "JSON") + ": "
                    + message.lines().findFirst().orElse(""));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new ConfigException(shownAs, "", "the file is empty");
        }
        ConfigNode top = new ConfigNode(shownAs, "", root);
        if (!root.isObject()) {
            throw top.error("expected an object at the top level but was " + describe(root));
        }
        return top;
    }

    public String file() {
        return file;
    }

    /** The key path of this node, empty at the top level. */
    public String path() {
        return path;
    }

    private String pathOf(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** An error about this node. */
    public ConfigException error(String problem) {
        return new ConfigException(file, path, problem);
    }

    /** An error about one of this node's keys. */
    public ConfigException error(String key, String problem) {
        return new ConfigException(file, pathOf(key), problem);
    }

    /** Refuses any key not in {@code supported}, naming the first unknown one. */
    public ConfigNode allowOnly(Set<String> supported) {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String key = names.next();
            if (!supported.contains(key)) {
                throw error(key, "unknown key; supported keys here are " + String.join(", ", new TreeSet<>(supported)));
            }
        }
        return this;
    }

    public boolean has(String key) {
        JsonNode v = node.get(key);
        return v != null && !v.isNull();
    }

    private JsonNode required(String key) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            throw error(key, "required key is missing");
        }
        return v;
    }

    public String requiredString(String key) {
        return string(required(key), key);
    }

    public Optional<String> optionalString(String key) {
        return has(key) ? Optional.of(string(node.get(key), key)) : Optional.empty();
    }

    private String string(JsonNode v, String key) {
        if (!v.isTextual()) {
            throw error(key, "expected a string but was " + describe(v));
        }
        return v.textValue();
    }

    public int requiredInt(String key, int min, int max) {
        return integer(required(key), key, min, max);
    }

    public int optionalInt(String key, int min, int max, int defaultValue) {
        return has(key) ? integer(node.get(key), key, min, max) : defaultValue;
    }

    public Optional<Integer> optionalInt(String key, int min, int max) {
        return has(key) ? Optional.of(integer(node.get(key), key, min, max)) : Optional.empty();
    }

    private int integer(JsonNode v, String key, int min, int max) {
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < min || v.longValue() > max) {
            throw error(key, "expected an integer in [" + min + ", " + max + "] but was " + describe(v));
        }
        return (int) v.longValue();
    }

    public double optionalNumber(String key, double min, double defaultValue) {
        if (!has(key)) {
            return defaultValue;
        }
        JsonNode v = node.get(key);
        if (!v.isNumber() || !(v.doubleValue() > min) || Double.isInfinite(v.doubleValue())) {
            throw error(key, "expected a number greater than " + stripZero(min) + " but was " + describe(v));
        }
        return v.doubleValue();
    }

    /** A duration given in seconds (a number, possibly fractional), positive. */
    public Duration optionalSeconds(String key, Duration defaultValue) {
        return optionalSeconds(key, defaultValue, false, 86_400);
    }

    /**
     * A duration given in seconds (a number, possibly fractional), in {@code (0, max]}, or
     * {@code [0, max]} when {@code zeroAllowed}.
     */
    public Duration optionalSeconds(String key, Duration defaultValue, boolean zeroAllowed, long max) {
        if (!has(key)) {
            return defaultValue;
        }
        JsonNode v = node.get(key);
        String range = (zeroAllowed ? "[0, " : "(0, ") + max + "]";
        if (!v.isNumber() || v.doubleValue() < 0 || (!zeroAllowed && v.doubleValue() == 0) || v.doubleValue() > max) {
            throw error(key, "expected a number of seconds in " + range + " but was " + describe(v));
        }
        long nanos = Math.round(v.doubleValue() * 1e9);
        Duration d = Duration.ofNanos(nanos);
        if (d.toMillis() < 1 && !(zeroAllowed && d.isZero())) {
            throw error(key, "expected a number of seconds in " + range + " of at least 0.001 but was " + describe(v));
        }
        return d;
    }

    /** A number in {@code [min, max]}. */
    public double optionalNumberIn(String key, double min, double max, double defaultValue) {
        if (!has(key)) {
            return defaultValue;
        }
        JsonNode v = node.get(key);
        if (!v.isNumber() || !(v.doubleValue() >= min && v.doubleValue() <= max)) {
            throw error(key, "expected a number in [" + stripZero(min) + ", " + stripZero(max) + "] but was " + describe(v));
        }
        return v.doubleValue();
    }

    /** The keys of this object, in file order. */
    public List<String> keys() {
        List<String> keys = new ArrayList<>();
        node.fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    /** Whether this object has no keys. */
    public boolean isEmpty() {
        return node.isEmpty();
    }

    public boolean optionalBoolean(String key, boolean defaultValue) {
        if (!has(key)) {
            return defaultValue;
        }
        JsonNode v = node.get(key);
        if (!v.isBoolean()) {
            throw error(key, "expected true or false but was " + describe(v));
        }
        return v.booleanValue();
    }

    /** A flat object of strings. */
    public Map<String, String> optionalStringMap(String key) {
        if (!has(key)) {
            return Map.of();
        }
        JsonNode v = node.get(key);
        if (!v.isObject()) {
            throw error(key, "expected an object of strings but was " + describe(v));
        }
        Map<String, String> map = new LinkedHashMap<>();
        v.properties().forEach(e -> {
            if (!e.getValue().isTextual()) {
                throw error(key + "." + e.getKey(), "expected a string but was " + describe(e.getValue()));
            }
            map.put(e.getKey(), e.getValue().textValue());
        });
        return map;
    }

    public List<String> requiredStringList(String key) {
        JsonNode v = required(key);
        if (!v.isArray() || v.isEmpty()) {
            throw error(key, "expected a non-empty list of strings but was " + describe(v));
        }
        return strings(v, key);
    }

    /** A non-empty list of {@code host:port} strings, such as {@code zk_hosts}. */
    public List<String> requiredHostPortList(String key) {
        List<String> hosts = requiredStringList(key);
        for (int i = 0; i < hosts.size(); i++) {
            var m = HOST_PORT.matcher(hosts.get(i));
            if (!m.matches() || !Validation.isValidHost(m.group(1)) || Integer.parseInt(m.group(2)) < 1
                    || Integer.parseInt(m.group(2)) > 65535) {
                throw error(key + "[" + i + "]", "expected host:port but was " + Validation.quote(hosts.get(i)));
            }
        }
        return hosts;
    }

    /** A list of strings, possibly empty; default empty. */
    public List<String> optionalStringList(String key) {
        if (!has(key)) {
            return List.of();
        }
        JsonNode v = node.get(key);
        if (!v.isArray()) {
            throw error(key, "expected a list of strings but was " + describe(v));
        }
        return strings(v, key);
    }

    /** The elements of the array {@code v}, each of which must be a string. */
    private List<String> strings(JsonNode v, String key) {
        List<String> list = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode e = v.get(i);
            if (!e.isTextual()) {
                throw error(key + "[" + i + "]", "expected a string but was " + describe(e));
            }
            list.add(e.textValue());
        }
        return List.copyOf(list);
    }

    public ConfigNode requiredObject(String key) {
        return object(required(key), key);
    }

    public Optional<ConfigNode> optionalObject(String key) {
        return has(key) ? Optional.of(object(node.get(key), key)) : Optional.empty();
    }

    private ConfigNode object(JsonNode v, String key) {
        if (!v.isObject()) {
            throw error(key, "expected an object but was " + describe(v));
        }
        return new ConfigNode(file, pathOf(key), v);
    }

    /** A map of objects, in file order. */
    public Map<String, ConfigNode> requiredObjectMap(String key) {
        ConfigNode map = requiredObject(key);
        Map<String, ConfigNode> result = new LinkedHashMap<>();
        map.node.properties().forEach(e -> result.put(e.getKey(), map.object(e.getValue(), e.getKey())));
        return result;
    }

    /** A list of objects; {@code [i]} in paths. */
    public List<ConfigNode> optionalObjectList(String key) {
        if (!has(key)) {
            return List.of();
        }
        JsonNode v = node.get(key);
        if (!v.isArray()) {
            throw error(key, "expected a list but was " + describe(v));
        }
        List<ConfigNode> list = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode e = v.get(i);
            String p = pathOf(key) + "[" + i + "]";
            if (!e.isObject()) {
                throw new ConfigException(file, p, "expected an object but was " + describe(e));
            }
            list.add(new ConfigNode(file, p, e));
        }
        return list;
    }

    /** How a value appears in a message: strings quoted and escaped, the rest by kind. */
    static String describe(JsonNode v) {
        if (v == null || v.isNull()) {
            return "null";
        }
        if (v.isTextual()) {
            return Validation.quote(v.textValue());
        }
        if (v.isNumber() || v.isBoolean()) {
            return v.asText();
        }
        if (v.isArray()) {
            return "a list";
        }
        if (v.isObject()) {
            return "an object";
        }
        return v.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    }

    private static String stripZero(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
