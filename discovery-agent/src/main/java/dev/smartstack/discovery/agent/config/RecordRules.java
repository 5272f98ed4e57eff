package dev.smartstack.discovery.agent.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import dev.smartstack.discovery.core.Validation;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Checks the {@link Rules} declared on bound config records, and words what a key expects. The
 * records are walked together with the JSON tree they came from, so that a message shows the value
 * as the file has it.
 */
final class RecordRules {
    private static final Pattern HOST_PORT = Pattern.compile("(.+):(\\d{1,5})");
    private static final PropertyNamingStrategies.NamingBase SNAKE =
            (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;

    private RecordRules() {
    }

    /** The key that a record component is bound from. */
    static String keyOf(RecordComponent c) {
        JsonProperty p = c.getAnnotation(JsonProperty.class);
        return p != null && !p.value().isEmpty() ? p.value() : SNAKE.translate(c.getName());
    }

    /** Joins a key path and a key. */
    static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /**
     * Checks every rule in {@code value}, a bound record, against its tree {@code node}.
     *
     * @throws ConfigException for the first broken rule, naming {@code file} and the key path
     */
    static void validate(Object value, JsonNode node, String file, String path) {
        if (value instanceof Record r) {
            for (RecordComponent c : r.getClass().getRecordComponents()) {
                String key = keyOf(c);
                Object v = get(c, r);
                JsonNode n = node == null ? null : node.get(key);
                String p = join(path, key);
                check(c, v, n, file, p);
                validate(v, n, file, p);
            }
        } else if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                validate(list.get(i), node == null ? null : node.get(i), file, path + "[" + i + "]");
            }
        } else if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> validate(v, node == null ? null : node.get(k.toString()), file, join(path, k.toString())));
        }
    }

    private static Object get(RecordComponent c, Record r) {
        try {
            return c.getAccessor().invoke(r);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read " + c, e);
        }
    }

    private static void check(RecordComponent c, Object v, JsonNode n, String file, String p) {
        if (v == null) {
            if (c.isAnnotationPresent(Rules.Required.class)) {
                throw new ConfigException(file, p, "required key is missing");
            }
            return;
        }
        String expected = expected(c.getGenericType(), c);
        Rules.IntRange rRule = c.getAnnotation(Rules.IntRange.class);
        if (rRule != null) {
            long x = ((Number) v).longValue();
            if (x < rRule.min() || x > rRule.max()) {
                throw wrong(file, p, expected, n);
            }
        }
        Rules.Seconds sRule = c.getAnnotation(Rules.Seconds.class);
        if (sRule != null) {
            double d = ((Number) v).doubleValue();
            if (d < 0 || (!sRule.zero() && d == 0) || d > sRule.max()) {
                throw wrong(file, p, expected, n);
            }
            if (d > 0 && d < 0.001) {
                throw wrong(file, p, expected + " of at least 0.001", n);
            }
        }
        Rules.Within wRule = c.getAnnotation(Rules.Within.class);
        if (wRule != null) {
            double d = ((Number) v).doubleValue();
            if (!(d >= wRule.min() && d <= wRule.max())) {
                throw wrong(file, p, expected, n);
            }
        }
        Rules.Above aRule = c.getAnnotation(Rules.Above.class);
        if (aRule != null) {
            double d = ((Number) v).doubleValue();
            if (!(d > aRule.value()) || Double.isInfinite(d)) {
                throw wrong(file, p, expected, n);
            }
        }
        Rules.OneOf oRule = c.getAnnotation(Rules.OneOf.class);
        if (oRule != null && !List.of(oRule.value()).contains(v)) {
            throw wrong(file, p, expected, n);
        }
        if (v instanceof List<?> list) {
            if (c.isAnnotationPresent(Rules.NonEmpty.class) && list.isEmpty()) {
                throw wrong(file, p, expected, n);
            }
            for (int i = 0; i < list.size(); i++) {
                Object e = list.get(i);
                // One string stands for a list of one (OneOrMore): the string itself is the element.
                boolean single = n != null && !n.isArray();
                JsonNode en = n == null ? null : single ? n : n.get(i);
                String ep = single ? p : p + "[" + i + "]";
                if (e == null) {
                    throw wrong(file, ep, expected(typeArgument(c.getGenericType(), 0), null), en);
                }
                if (e instanceof String s) {
                    checkString(c, s, en, file, ep);
                }
            }
        } else if (v instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (e.getValue() == null) {
                    throw wrong(file, join(p, e.getKey().toString()), expected(typeArgument(c.getGenericType(), 1), null), null);
                }
            }
        } else if (v instanceof String s) {
            checkString(c, s, n, file, p);
        }
    }

    private static void checkString(RecordComponent c, String s, JsonNode n, String file, String p) {
        if (c.isAnnotationPresent(Rules.HostPorts.class)) {
            var m = HOST_PORT.matcher(s);
            if (!m.matches() || !Validation.isValidHost(m.group(1)) || Integer.parseInt(m.group(2)) < 1
                    || Integer.parseInt(m.group(2)) > 65535) {
                throw wrong(file, p, "host:port", n);
            }
        }
        if (c.isAnnotationPresent(Rules.Host.class) && !Validation.isValidHost(s)) {
            throw wrong(file, p, "a DNS name or an IP address", n);
        }
        Rules.OneLine lRule = c.getAnnotation(Rules.OneLine.class);
        if (lRule != null && Validation.hasControlCharacter(s)) {
            throw wrong(file, p, "a single line" + (lRule.of().isEmpty() ? "" : " of " + lRule.of()), n);
        }
        if (c.isAnnotationPresent(Rules.ZkPath.class) && !Validation.isValidZkPath(s)) {
            throw wrong(file, p, "an absolute ZooKeeper path such as /nerve/services/web", n);
        }
    }

    private static ConfigException wrong(String file, String path, String expected, JsonNode found) {
        return new ConfigException(file, path, "expected " + expected + " but was " + describe(found));
    }

    /**
     * What the key at {@code path} (keys and list indexes) below a value of type {@code root}
     * expects, in words; used for type errors.
     */
    static String expectedAt(Type root, List<Object> path) {
        Type t = root;
        RecordComponent comp = null;
        for (Object step : path) {
            Class<?> raw = raw(t);
            if (raw.isRecord() && step instanceof String key) {
                comp = null;
                for (RecordComponent c : raw.getRecordComponents()) {
                    if (keyOf(c).equals(key)) {
                        comp = c;
                    }
                }
                if (comp == null) {
                    return "a known key";
                }
                t = comp.getGenericType();
            } else if (List.class.isAssignableFrom(raw)) {
                t = typeArgument(t, 0);
                comp = null;
            } else if (Map.class.isAssignableFrom(raw)) {
                t = typeArgument(t, 1);
                comp = null;
            } else {
                return "a valid value";
            }
        }
        return expected(t, comp);
    }

    private static String expected(Type t, RecordComponent c) {
        if (c != null) {
            Rules.IntRange rRule = c.getAnnotation(Rules.IntRange.class);
            if (rRule != null) {
                return "an integer in [" + rRule.min() + ", " + rRule.max() + "]";
            }
            Rules.Seconds sRule = c.getAnnotation(Rules.Seconds.class);
            if (sRule != null) {
                return "a number of seconds in " + (sRule.zero() ? "[0, " : "(0, ") + sRule.max() + "]";
            }
            Rules.Within wRule = c.getAnnotation(Rules.Within.class);
            if (wRule != null) {
                return "a number in [" + number(wRule.min()) + ", " + number(wRule.max()) + "]";
            }
            Rules.Above aRule = c.getAnnotation(Rules.Above.class);
            if (aRule != null) {
                return "a number greater than " + number(aRule.value());
            }
            Rules.OneOf oRule = c.getAnnotation(Rules.OneOf.class);
            if (oRule != null) {
                return alternatives(oRule.value());
            }
            if (c.isAnnotationPresent(Rules.NonEmpty.class)) {
                return "a non-empty " + expected(t, null).replaceFirst("^an? ", "");
            }
            // @JsonDeserialize does not target record components: it lands on the accessor.
            JsonDeserialize dRule = c.getAccessor().getAnnotation(JsonDeserialize.class);
            if (dRule != null && dRule.using() == Words.class) {
                return "a string or a list of strings";
            }
        }
        Class<?> raw = raw(t);
        if (raw == String.class) {
            return "a string";
        }
        if (raw == Boolean.class) {
            return "true or false";
        }
        if (raw == Integer.class || raw == Long.class) {
            return "an integer";
        }
        if (raw == Double.class) {
            return "a number";
        }
        if (List.class.isAssignableFrom(raw)) {
            Class<?> e = raw(typeArgument(t, 0));
            return e == String.class ? "a list of strings" : "a list";
        }
        if (Map.class.isAssignableFrom(raw) && raw(typeArgument(t, 1)) == String.class) {
            return "an object of strings";
        }
        return "an object";
    }

    /** {@code "a", "b" or "c"}. */
    static String alternatives(String... values) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                b.append(i == values.length - 1 ? " or " : ", ");
            }
            b.append(Validation.quote(values[i]));
        }
        return b.toString();
    }

    private static Class<?> raw(Type t) {
        if (t instanceof Class<?> c) {
            return c;
        }
        if (t instanceof ParameterizedType p) {
            return (Class<?>) p.getRawType();
        }
        return Object.class;
    }

    private static Type typeArgument(Type t, int i) {
        return t instanceof ParameterizedType p && p.getActualTypeArguments().length > i
                ? p.getActualTypeArguments()[i] : Object.class;
    }

    /** How a value appears in a message: strings quoted and escaped, the rest by kind. */
    static String describe(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) {
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
        return v.getNodeType().toString().toLowerCase(Locale.ROOT);
    }

    private static String number(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
