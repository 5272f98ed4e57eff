package dev.smartstack.discovery.agent;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Generated config files for {@code smartstack nerve|synapse}: a valid base config spoiled by one
 * mutation (a wrong type or a missing or unknown key at any path), or a file that is not a config
 * at all (truncated, binary, deeply nested, huge). A {@link Case} knows the key it spoiled, if any.
 */
final class ConfigFuzz {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** A generated file: what it is, its bytes, and the key the mutation touched (null for none). */
    record Case(String command, String kind, byte[] content, String key) {
        @Override
        public String toString() {
            String text = new String(content, UTF_8);
            return command + " " + kind + (key == null ? "" : " at " + key) + ": "
                    + (text.length() > 300 ? text.substring(0, 300) + "...(" + content.length + " bytes)" : text);
        }
    }

    private ConfigFuzz() {
    }

    /** The digest password in both bases: no error line may ever show it. */
    static final String PASSWORD = "fuzz-s3cret";

    static ObjectNode nerveBase() {
        return parse("""
                {"instance_id": "fuzz-1", "zk_session_timeout": 10,
                 "zk_auth": {"digest": {"user": "nerve", "password": "%s"}, "acl": "creator_all_world_read"},
                 "services": {
                   "web": {"host": "127.0.0.1", "port": 8080, "zk_hosts": ["127.0.0.1:2181"],
                           "zk_path": "/nerve/services/web/services", "check_interval": 0.5, "weight": 10,
                           "labels": {"az": "a"}, "haproxy_server_options": "check",
                           "checks": [{"type": "http", "uri": "/health", "timeout": 0.2, "rise": 3, "fall": 2},
                                      {"type": "tcp", "timeout": 0.2}]}}}
                """.formatted(PASSWORD));
    }

    static ObjectNode synapseBase(String dir) {
        return parse("""
                {"file_output": {"output_directory": "%1$s/out"},
                 "zk_auth": {"digest": {"user": "synapse", "password": "%2$s"}},
                 "haproxy": {"global": ["maxconn 256"], "defaults": ["mode http", "timeout connect 1s"],
                             "config_file_path": "%1$s/haproxy.cfg", "socket_file_path": "%1$s/haproxy.sock",
                             "reload_command": "/bin/true", "do_writes": true, "do_reloads": false,
                             "state_file_path": "%1$s/synapse.state", "bind_address": "127.0.0.1",
                             "extra_sections": {"listen stats": ["bind 127.0.0.1:3212", "stats enable"]}},
                 "services": {
                   "web": {"discovery": {"method": "zookeeper", "path": "/nerve/services/web/services",
                                         "hosts": ["127.0.0.1:2181"], "decode": {"method": "nerve"},
                                         "label_filters": [{"label": "az", "value": "a", "condition": "equals"}]},
                           "default_servers": [{"name": "d1", "host": "127.0.0.1", "port": 8080}],
                           "use_previous_backends": true,
                           "haproxy": {"port": 3213, "server_options": "check inter 2s", "backend": ["balance roundrobin"],
                                       "backend_order": "asc"}}}}
                """.formatted(dir, PASSWORD));
    }

    /** Cases built from {@code base} for {@code command} ("nerve" or "synapse"). */
    static Arbitrary<Case> cases(String command, ObjectNode base) {
        List<Tuple.Tuple2<String, JsonNode>> paths = new ArrayList<>();
        collect("", base, paths);
        Arbitrary<Tuple.Tuple2<String, JsonNode>> path = Arbitraries.of(paths);
        Arbitrary<JsonNode> wrong = Arbitraries.of(NODES.nullNode(), NODES.booleanNode(true), NODES.numberNode(-1),
                NODES.numberNode(0), NODES.numberNode(1.5), NODES.numberNode(new java.math.BigInteger("9".repeat(40))),
                NODES.textNode(""), NODES.textNode("x\ny"), NODES.textNode("$(touch /tmp/smartstack-pwned)"),
                NODES.arrayNode().add(1), NODES.objectNode().put("k", "v"), NODES.arrayNode());
        Arbitrary<Case> wrongType = Combinators.combine(path, wrong).as((p, v) ->
                new Case(command, "wrong-type", bytes(replace(base, p.get1(), v)), p.get1()));
        Arbitrary<Case> missing = path.filter(p -> !p.get1().endsWith("]")).map(p ->
                new Case(command, "missing-key", bytes(replace(base, p.get1(), null)), p.get1()));
        Arbitrary<Case> unknown = path.filter(p -> p.get2().isObject()).map(p -> {
            ObjectNode copy = base.deepCopy();
            ((ObjectNode) at(copy, p.get1())).put("bogus_key", 1);
            return new Case(command, "unknown-key", bytes(copy), p.get1().isEmpty() ? "bogus_key" : p.get1() + ".bogus_key");
        });
        Arbitrary<Case> deep = Combinators.combine(path, Arbitraries.integers().between(500, 20_000)).as((p, depth) -> {
            String text = new String(bytes(replace(base, p.get1(), NODES.textNode("@@DEEP@@"))), UTF_8);
            return new Case(command, "deep", text.replace("\"@@DEEP@@\"", "[".repeat(depth) + "]".repeat(depth))
                    .getBytes(UTF_8), null);
        });
        Arbitrary<Case> huge = Arbitraries.of(2_000_000, 21_000_000).map(size -> {
            String text = new String(bytes(base), UTF_8);
            return new Case(command, "huge", ("{\"padding\": \"" + "a".repeat(size) + "\", " + text.substring(1))
                    .getBytes(UTF_8), "padding");
        });
        Arbitrary<Case> truncated = Arbitraries.integers().between(0, bytes(base).length - 1).map(n -> {
            byte[] all = bytes(base);
            return new Case(command, "truncated", java.util.Arrays.copyOf(all, n), null);
        });
        Arbitrary<Case> binary = Arbitraries.bytes().array(byte[].class).ofMaxSize(4096).map(b -> new Case(command, "binary", b, null));
        Arbitrary<Case> spoiledBytes = Combinators.combine(Arbitraries.integers().between(0, bytes(base).length - 1),
                Arbitraries.of(new byte[] {0}, new byte[] {(byte) 0xff}, new byte[] {(byte) 0xc0, (byte) 0x80},
                        new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, new byte[] {'\\'}, new byte[] {'"'}))
                .as((at, b) -> {
                    byte[] all = bytes(base);
                    byte[] out = new byte[all.length + b.length];
                    System.arraycopy(all, 0, out, 0, at);
                    System.arraycopy(b, 0, out, at, b.length);
                    System.arraycopy(all, at, out, at + b.length, all.length - at);
                    return new Case(command, "spoiled-bytes", out, null);
                });
        Arbitrary<Case> trailing = Arbitraries.of("{}", " {\"services\": {}}", "junk", "]", "\u0000", "\n---\n{}")
                .map(tail -> new Case(command, "trailing", (new String(bytes(base), UTF_8) + tail).getBytes(UTF_8), null));
        Arbitrary<Case> degenerate = Arbitraries.of("", " ", "\n", "null", "[]", "42", "\"x\"", "{}", "{\"services\": null}",
                "\ufeff{}", "\u0000", "{\"services\": {}} {\"services\": {}}", "# comment\n{}")
                .map(s -> new Case(command, "degenerate", s.getBytes(UTF_8), null));
        return Arbitraries.frequencyOf(Tuple.of(25, wrongType), Tuple.of(15, missing), Tuple.of(8, unknown),
                Tuple.of(6, deep), Tuple.of(1, huge), Tuple.of(10, truncated), Tuple.of(8, binary),
                Tuple.of(10, spoiledBytes), Tuple.of(5, trailing), Tuple.of(5, degenerate));
    }

    /** The last object key of a path such as {@code services.web.checks[0].uri}: {@code uri}. */
    static String lastKey(String path) {
        String p = path.replaceAll("\\[\\d+]$", "");
        return p.substring(p.lastIndexOf('.') + 1);
    }

    private static void collect(String prefix, JsonNode node, List<Tuple.Tuple2<String, JsonNode>> out) {
        if (node.isObject()) {
            node.properties().forEach(e -> {
                String p = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
                out.add(Tuple.of(p, e.getValue()));
                collect(p, e.getValue(), out);
            });
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String p = prefix + "[" + i + "]";
                out.add(Tuple.of(p, node.get(i)));
                collect(p, node.get(i), out);
            }
        }
        if (prefix.isEmpty()) {
            out.add(0, Tuple.of("", node));
        }
    }

    /** The node at {@code path} in {@code root}. */
    private static JsonNode at(JsonNode root, String path) {
        JsonNode n = root;
        if (path.isEmpty()) {
            return n;
        }
        for (String part : path.split("\\.")) {
            String name = part.replaceAll("\\[\\d+]", "");
            if (!name.isEmpty()) {
                n = n.get(name);
            }
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\[(\\d+)]").matcher(part);
            while (m.find()) {
                n = n.get(Integer.parseInt(m.group(1)));
            }
        }
        return n;
    }

    /** A copy of {@code base} with the value at {@code path} replaced ({@code null}: removed). */
    private static JsonNode replace(ObjectNode base, String path, JsonNode value) {
        if (path.isEmpty()) {
            return value == null ? NODES.missingNode() : value;
        }
        ObjectNode copy = base.deepCopy();
        if (path.endsWith("]")) {
            int open = path.lastIndexOf('[');
            ArrayNode parent = (ArrayNode) at(copy, path.substring(0, open));
            int index = Integer.parseInt(path.substring(open + 1, path.length() - 1));
            if (value == null) {
                parent.remove(index);
            } else {
                parent.set(index, value);
            }
        } else {
            int dot = path.lastIndexOf('.');
            ObjectNode parent = (ObjectNode) at(copy, dot < 0 ? "" : path.substring(0, dot));
            String key = path.substring(dot + 1);
            if (value == null) {
                parent.remove(key);
            } else {
                parent.set(key, value);
            }
        }
        return copy;
    }

    private static ObjectNode parse(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return node.isMissingNode() ? new byte[0] : JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
