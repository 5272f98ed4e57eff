package dev.smartstack.discovery.core;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Generators of hostile znodes, shared by the property-based suites of every module (this class is
 * in discovery-core's test-jar). A {@link Payload} is labelled with its kind, so a failure says
 * which class of input broke what, and jqwik prints the seed that reproduces it.
 *
 * <p>The kinds: {@code good} (valid Nerve data, so that hostile data lands among accepted data),
 * {@code random-bytes}, {@code invalid-utf8}, {@code deep} (nesting up to 5,000), {@code huge} (up
 * to ZooKeeper's 1 MB), {@code wrong-type} and {@code out-of-range} for every field,
 * {@code injection} in every field (newlines, CR, NUL, {@code #}, extra HAProxy directives, shell
 * metacharacters, unicode look-alikes), {@code trailing} (content after the object),
 * {@code duplicate-key}, {@code degenerate} (empty, null, arrays, scalars) and {@code other-format}
 * (Curator and ServerSet documents given to the Nerve decoder, and the reverse).
 */
public final class HostileZnodes {
    /** The largest znode ZooKeeper accepts by default (jute.maxbuffer is 1 MiB, less the header). */
    public static final int MAX_ZNODE_BYTES = 1_000_000;
    /** Kinds that are never a valid registration, whatever the generator picked inside them. */
    public static final Set<String> NEVER_VALID_KINDS = Set.of("random-bytes", "invalid-utf8", "deep", "huge", "trailing");
    /** The fields of Nerve's JSON. */
    public static final List<String> FIELDS = List.of("host", "port", "name", "weight", "haproxy_server_options", "labels");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** One generated znode's data, with the kind of input it is. */
    public record Payload(String kind, byte[] data) {
        public String text() {
            return new String(data, UTF_8);
        }

        @Override
        public String toString() {
            return kind + " " + Validation.quote(text()) + " (" + data.length + " bytes)";
        }
    }

    private HostileZnodes() {
    }

    /** Every kind of payload, good ones included (about one in eight). */
    public static Arbitrary<Payload> payloads() {
        return Arbitraries.frequencyOf(
                Tuple.of(10, good()),
                Tuple.of(8, randomBytes()),
                Tuple.of(6, invalidUtf8()),
                Tuple.of(4, deep()),
                Tuple.of(1, huge()),
                Tuple.of(12, wrongType()),
                Tuple.of(10, outOfRange()),
                Tuple.of(18, injection()),
                Tuple.of(8, trailing()),
                Tuple.of(4, duplicateKey()),
                Tuple.of(4, degenerate()),
                Tuple.of(4, otherFormat()));
    }

    /** Payloads that are never valid Nerve data: {@link #payloads()} without the good ones. */
    public static Arbitrary<Payload> hostilePayloads() {
        return payloads().filter(p -> !p.kind().equals("good"));
    }

    // ------------------------------------------------------------------ values

    /** Strings meant to break out of a config line, a log line, a file name or a shell word. */
    public static Arbitrary<String> injections() {
        Arbitrary<String> fixed = Arbitraries.of(
                "\n", "\r", "\r\n", "\u0000", "#", " # comment", "\nserver evil 127.0.0.9:80",
                "check\nbackend evil", "127.0.0.1:80\nlisten x", "backup disabled", "redir http://127.0.0.9",
                "addr 127.0.0.9", "ssl crt /etc/passwd", "id 1", "cookie x", "track web/other", "source 0.0.0.0",
                "weight 1000", "check\u0000inter 1s", "check inter 0", "agent-check", "$(touch /tmp/smartstack-pwned)",
                "`touch /tmp/smartstack-pwned`", "; touch /tmp/smartstack-pwned", "| id", "&& id", "${HOME}",
                "%{host}", "%{name}", "%n", "'", "\"", "\\", "\\n", "\u2028", "\u2029", "\u0085", "\u007f",
                "\u200b", "\ufeff", "\uff03", "\uff1a", "\u0441heck", "ｓｅｒｖｅｒ", "１２７.０.０.１", "127.0.0.1\u200b",
                "\ud83d\ude00", "../../etc/passwd", "/", ".", "..", "a b", "\t", " ", "", "x".repeat(600));
        // any char but a surrogate (Jackson cannot write a lone one; invalid-utf8 covers raw bytes)
        Arbitrary<String> random = Arbitraries.strings().withCharRange('\u0000', '\ud7ff').withCharRange('\ue000', '\uffff')
                .ofMaxLength(40);
        Arbitrary<String> controls = Arbitraries.strings().withCharRange('\u0000', '\u001f').ofMinLength(1).ofMaxLength(4)
                .map(s -> "check" + s + "inter 1s");
        return Arbitraries.frequencyOf(Tuple.of(6, fixed), Tuple.of(3, random), Tuple.of(1, controls));
    }

    /** Child names: hostile ones (that ZooKeeper still accepts) and Nerve-like ones. */
    public static Arbitrary<String> childNames() {
        Arbitrary<String> nerveLike = Combinators.combine(
                Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz0123456789-._:@").ofMinLength(1).ofMaxLength(30),
                Arbitraries.integers().between(0, 99_999_999))
                .as((p, n) -> p + "_" + String.format("%010d", n));
        Arbitrary<String> hostile = Arbitraries.of(
                "evil name", "evil#name", "evil'name", "evil\"name", "evil;name", "evil$(id)", "`id`", "-rf",
                "base64_", "base64_4_e30=_", "base64_99999_AAAA_", "base64_8_!!!!!!!!_", "base64_x_y_",
                "base64_12_eyJob3N0IjoxfQ==_", "ｅｖｉｌ", "evil\u200bname", "evil\u00a0name", "x".repeat(250), "_", "__",
                "0000000001", "name_", "name_000000000", "%2e%2e", "con", "aux.json", "a:b", "a@b", "a..b");
        // generated within ZooKeeper's path rules, so that the filter below rarely rejects
        Arbitrary<String> random = Arbitraries.strings().withCharRange('\u0020', '\u007e').withCharRange('\u00a0', '\ud7ff')
                .withCharRange('\uf900', '\uffef').ofMinLength(1).ofMaxLength(60);
        return Arbitraries.frequencyOf(Tuple.of(4, nerveLike), Tuple.of(3, hostile), Tuple.of(3, random))
                .filter(HostileZnodes::zooKeeperAccepts);
    }

    /** Whether ZooKeeper's PathUtils accepts {@code name} as one path element. */
    public static boolean zooKeeperAccepts(String name) {
        if (name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('/') >= 0) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == 0 || c > '\u0000' && c <= '\u001f' || c >= '\u007f' && c <= '\u009f'
                    || c >= '\ud800' && c <= '\uf8ff' || c >= '\ufff0') {
                return false;
            }
        }
        return true;
    }

    /** A valid Nerve registration, as an object to be encoded or spoiled. */
    public static Arbitrary<ObjectNode> goodObject() {
        Arbitrary<String> host = Arbitraries.of("127.0.0.1", "127.0.0.2", "127.1.2.3", "::1", "localhost");
        Arbitrary<Integer> port = Arbitraries.integers().between(1, 65535);
        Arbitrary<String> name = Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz0123456789._:@-")
                .ofMinLength(1).ofMaxLength(24);
        Arbitrary<Integer> weight = Arbitraries.integers().between(-1, 256);
        Arbitrary<String> options = Arbitraries.of("", "check", "backup", "check inter 2s", "maxconn 100",
                "weight 10", "disabled", "slowstart 10s", "check inter 500ms fall 3 rise 2", "observe layer4");
        Arbitrary<Boolean> labels = Arbitraries.of(true, false);
        return Combinators.combine(host, port, name, weight, options, labels).as((h, p, n, w, o, l) -> {
            ObjectNode node = NODES.objectNode();
            node.put("host", h);
            node.put("port", p);
            node.put("name", n);
            if (w >= 0) {
                node.put("weight", w);
            }
            if (!o.isEmpty()) {
                node.put("haproxy_server_options", o);
            }
            if (l) {
                node.putObject("labels").put("az", "us-east-1a").put("team/owner", "web");
            }
            return node;
        });
    }

    /** {@code {"host":"127.0.0.1","port":port,"name":name}} as Nerve writes it. */
    public static byte[] good(String name, int port) {
        return NerveCodec.encode(ServiceInstance.of(name, "127.0.0.1", port));
    }

    // ------------------------------------------------------------------ kinds

    static Arbitrary<Payload> good() {
        return goodObject().map(o -> new Payload("good", bytes(o)));
    }

    static Arbitrary<Payload> randomBytes() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(2048).map(b -> new Payload("random-bytes", b));
    }

    static Arbitrary<Payload> invalidUtf8() {
        Arbitrary<byte[]> bad = Arbitraries.of(new byte[] {(byte) 0xff}, new byte[] {(byte) 0xc0, (byte) 0x80},
                new byte[] {(byte) 0x80}, new byte[] {(byte) 0xe2, (byte) 0x82}, new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
                new byte[] {(byte) 0xf8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}, new byte[] {(byte) 0xfe, (byte) 0xff});
        return Combinators.combine(goodObject(), Arbitraries.of(FIELDS.subList(0, 3)), bad).as((o0, field, b) -> {
            ObjectNode o = o0.deepCopy();
            // put a marker string into the field, then replace the marker with the raw bytes
            o.put(field, "@@MARK@@");
            byte[] json = bytes(o);
            String text = new String(json, UTF_8);
            int at = text.indexOf("@@MARK@@");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(json, 0, at);
            out.writeBytes(b);
            out.write(json, at + 8, json.length - at - 8);
            return new Payload("invalid-utf8", out.toByteArray());
        });
    }

    static Arbitrary<Payload> deep() {
        return Combinators.combine(Arbitraries.integers().between(20, 5_000), Arbitraries.of("[", "{\"a\":"),
                Arbitraries.of(FIELDS)).as((depth, open, field) -> {
                    String close = open.equals("[") ? "]" : "}";
                    String value = open.repeat(depth) + "1" + close.repeat(depth);
                    return new Payload("deep", utf8("{\"host\":\"127.0.0.1\",\"port\":80,\"" + field + "\":" + value + "}"));
                });
    }

    static Arbitrary<Payload> huge() {
        return Combinators.combine(Arbitraries.of(60_000, 70_000, 300_000, MAX_ZNODE_BYTES - 100), Arbitraries.of(FIELDS),
                Arbitraries.of("string", "fields", "number", "array")).as((size, field, shape) -> {
                    String value = switch (shape) {
                        case "string" -> "\"" + "a".repeat(size) + "\"";
                        case "number" -> "1".repeat(size);
                        case "array" -> "[" + "1,".repeat(size / 2 - 1) + "1]";
                        default -> "{" + "\"k\":1,".repeat(size / 6 - 1) + "\"k\":1}";
                    };
                    return new Payload("huge", utf8("{\"host\":\"127.0.0.1\",\"port\":80,\"" + field + "\":" + value + "}"));
                });
    }

    static Arbitrary<Payload> wrongType() {
        Arbitrary<JsonNode> values = Arbitraries.of(NODES.nullNode(), NODES.booleanNode(true), NODES.numberNode(1),
                NODES.numberNode(1.5), NODES.textNode("80"), NODES.textNode(""), NODES.arrayNode().add("127.0.0.1"),
                NODES.objectNode().put("host", "127.0.0.1"), NODES.numberNode(new java.math.BigInteger("1" + "0".repeat(30))),
                NODES.objectNode().set("az", NODES.numberNode(1)), NODES.objectNode().set("az", NODES.objectNode()));
        return Combinators.combine(goodObject(), Arbitraries.of(FIELDS), values).as((o0, field, v) -> {
            ObjectNode o = o0.deepCopy();
            o.set(field, v);
            return new Payload("wrong-type", bytes(o));
        });
    }

    static Arbitrary<Payload> outOfRange() {
        Arbitrary<Tuple.Tuple2<String, JsonNode>> values = Arbitraries.of(
                Tuple.of("port", NODES.numberNode(0)), Tuple.of("port", NODES.numberNode(-1)),
                Tuple.of("port", NODES.numberNode(65536)), Tuple.of("port", NODES.numberNode(2147483648L)),
                Tuple.of("port", NODES.numberNode(Long.MAX_VALUE)), Tuple.of("port", NODES.numberNode(-9_223_372_036_854_775_808L)),
                Tuple.of("port", NODES.textNode("99999999999999999999")), Tuple.of("port", NODES.textNode("-0")),
                Tuple.of("port", NODES.textNode(" 80")), Tuple.of("port", NODES.numberNode(80.0)),
                Tuple.of("weight", NODES.numberNode(-1)), Tuple.of("weight", NODES.numberNode(257)),
                Tuple.of("weight", NODES.numberNode(Integer.MAX_VALUE)), Tuple.of("weight", NODES.textNode("1e3")),
                Tuple.of("host", NODES.textNode("")), Tuple.of("host", NODES.textNode("a".repeat(254))),
                Tuple.of("host", NODES.textNode("256.1.1.1")), Tuple.of("host", NODES.textNode("1.2.3.999")),
                Tuple.of("host", NODES.textNode("[::1]")), Tuple.of("host", NODES.textNode("::1::2")),
                Tuple.of("host", NODES.textNode("127.0.0.1:80")), Tuple.of("name", NODES.textNode("n".repeat(201))),
                Tuple.of("haproxy_server_options", NODES.textNode("check ".repeat(100))),
                Tuple.of("haproxy_server_options", NODES.textNode("weight 257")),
                Tuple.of("haproxy_server_options", NODES.textNode("inter 0")),
                Tuple.of("haproxy_server_options", NODES.textNode("inter 25d")),
                Tuple.of("haproxy_server_options", NODES.textNode("port 0")),
                Tuple.of("haproxy_server_options", NODES.textNode("maxconn 99999999999")),
                Tuple.of("labels", NODES.objectNode().put("k".repeat(64), "v")),
                Tuple.of("labels", NODES.objectNode().put("az", "v".repeat(257))),
                Tuple.of("labels", NODES.objectNode().put("", "v")));
        return Combinators.combine(goodObject(), values).as((o0, fv) -> {
            ObjectNode o = o0.deepCopy();
            o.set(fv.get1(), fv.get2());
            return new Payload("out-of-range", bytes(o));
        });
    }

    static Arbitrary<Payload> injection() {
        return Combinators.combine(goodObject(), Arbitraries.of(FIELDS), injections(), Arbitraries.of(true, false))
                .as((o0, field, s, append) -> {
                    ObjectNode o = o0.deepCopy();
                    if (field.equals("labels")) {
                        ObjectNode labels = o.putObject("labels");
                        if (append) {
                            labels.put("az", s);
                        } else {
                            labels.put(s, "v");
                        }
                    } else {
                        String before = o.path(field).asText("");
                        o.put(field, append ? before + s : s);
                    }
                    return new Payload("injection", bytes(o));
                });
    }

    static Arbitrary<Payload> trailing() {
        Arbitrary<String> tails = Arbitraries.of("{\"host\":\"127.0.0.9\",\"port\":1}", "{}", "[]", "1", "\"x\"", "null",
                "junk", "}", "]", ",", "\u0000", "#", "\n{\"host\":\"127.0.0.9\",\"port\":1}", " \n {");
        return Combinators.combine(goodObject(), tails).as((o, tail) -> new Payload("trailing", utf8(text(o) + tail)));
    }

    static Arbitrary<Payload> duplicateKey() {
        return Combinators.combine(goodObject(), Arbitraries.of(FIELDS.subList(0, 3)), injections()).as((o, field, s) -> {
            String json = text(o);
            String dup = "\"" + field + "\":" + text(NODES.textNode(s)) + ",";
            return new Payload("duplicate-key", utf8("{" + dup + json.substring(1)));
        });
    }

    static Arbitrary<Payload> degenerate() {
        return Arbitraries.of("", " ", "\n", "null", "true", "0", "\"\"", "[]", "{}", "[{\"host\":\"127.0.0.1\",\"port\":1}]",
                "{\"host\":\"127.0.0.1\"}", "{\"port\":1}", "{\"host\":null,\"port\":null}", "\ufeff{\"host\":\"127.0.0.1\",\"port\":1}",
                "{\"host\":\"127.0.0.1\",\"port\":1", "{'host':'127.0.0.1','port':1}", "{host:\"127.0.0.1\",port:1}",
                "{\"host\":\"127.0.0.1\",\"port\":1,}", "{\"host\":\"127.0.0.1\",/*c*/\"port\":1}", "{\"host\":\"127.0.0.1\",\"port\":NaN}")
                .map(s -> new Payload("degenerate", utf8(s)));
    }

    static Arbitrary<Payload> otherFormat() {
        return Arbitraries.of(
                "{\"name\":\"web\",\"id\":\"x\",\"address\":\"127.0.0.1\",\"port\":8080,\"enabled\":true}",
                "{\"name\":\"web\",\"id\":\"x\",\"address\":\"127.0.0.1\\nserver evil\",\"port\":8080}",
                "{\"id\":\"x\",\"address\":\"127.0.0.1\",\"sslPort\":70000}",
                "{\"serviceEndpoint\":{\"host\":\"127.0.0.1\",\"port\":80},\"status\":\"ALIVE\"}",
                "{\"serviceEndpoint\":{\"host\":\"127.0.0.1#\",\"port\":80},\"status\":\"ALIVE\"}",
                "{\"serviceEndpoint\":\"127.0.0.1:80\",\"status\":\"ALIVE\"}",
                "{\"serviceEndpoint\":{\"host\":\"127.0.0.1\",\"port\":80},\"additionalEndpoints\":[],\"status\":\"DEAD\"}")
                .map(s -> new Payload("other-format", utf8(s)));
    }

    // ------------------------------------------------------------------ helpers

    private static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String text(JsonNode node) {
        return new String(bytes(node), UTF_8);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(UTF_8);
    }
}
