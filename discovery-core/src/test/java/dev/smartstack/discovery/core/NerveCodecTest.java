package dev.smartstack.discovery.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class NerveCodecTest {
    private static final String ZNODE = "node1_0000000003";

    private static Optional<ServiceInstance> decode(String json) {
        return NerveCodec.decode(ZNODE, json.getBytes(UTF_8));
    }

    private static void assertRefused(ThrowingCallable call, String field, String message) {
        assertThatThrownBy(call)
                .isInstanceOf(InvalidInstanceException.class)
                .hasMessage(message)
                .satisfies(e -> assertThat(((InvalidInstanceException) e).field()).isEqualTo(field))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n", "\r"));
    }

    @Test
    void encode_minimalInstance_writesExactlyWhatRubyNerveWrites() {
        byte[] data = NerveCodec.encode(ServiceInstance.of("node1", "127.0.0.1", 8080));
        assertThat(new String(data, UTF_8)).isEqualTo("{\"host\":\"127.0.0.1\",\"port\":8080,\"name\":\"node1\"}");
    }

    @Test
    void encode_allFields_writesOptionalFieldsOnlyWhenSet() {
        ServiceInstance i = ServiceInstance.builder().name("node1").host("127.0.0.1").port(8080).weight(0)
                .haproxyServerOptions("check backup").labels(Map.of("zone", "b", "az", "a"))
                .znodeName(ZNODE).build();
        assertThat(new String(NerveCodec.encode(i), UTF_8)).isEqualTo(
                "{\"host\":\"127.0.0.1\",\"port\":8080,\"name\":\"node1\",\"weight\":0,"
                        + "\"haproxy_server_options\":\"check backup\",\"labels\":{\"az\":\"a\",\"zone\":\"b\"}}");
    }

    @Test
    void encode_znodeName_isNotPartOfTheData() throws Exception {
        JsonNode json = new ObjectMapper().readTree(NerveCodec.encode(
                ServiceInstance.of("node1", "h", 1).withZnodeName(ZNODE)));
        assertThat(json.fieldNames()).toIterable().containsExactly("host", "port", "name");
    }

    @Test
    void decode_encodedInstance_roundTrips() {
        ServiceInstance i = ServiceInstance.builder().name("node1").host("2001:db8::1").port(8080).weight(256)
                .haproxyServerOptions("check inter 2s").labels(Map.of("zone", "caf\u00e9", "k8s.io/x", ""))
                .znodeName(ZNODE).build();
        assertThat(NerveCodec.decode(ZNODE, NerveCodec.encode(i))).hasValue(i);
        ServiceInstance minimal = ServiceInstance.of("node1", "h", 1).withZnodeName(ZNODE);
        assertThat(NerveCodec.decode(ZNODE, NerveCodec.encode(minimal))).hasValue(minimal);
    }

    @Test
    void decode_rubyNerveData_isRead() {
        ServiceInstance i = decode("{\"host\":\"127.1.2.3\",\"port\":3000,\"name\":\"i-0abc\","
                + "\"weight\":5,\"haproxy_server_options\":\"backup\",\"labels\":{\"az\":\"us-east-1a\"}}").orElseThrow();
        assertThat(i).isEqualTo(ServiceInstance.builder().name("i-0abc").host("127.1.2.3").port(3000).weight(5)
                .haproxyServerOptions("backup").labels(Map.of("az", "us-east-1a")).znodeName(ZNODE).build());
        assertThat(i.sequence()).isEqualTo(3);
    }

    @Test
    void decode_unknownFields_areIgnored() {
        assertThat(decode("{\"host\":\"h\",\"port\":1,\"name\":\"n\",\"future\":{\"x\":[1,2]},\"rise\":3}"))
                .hasValue(ServiceInstance.of("n", "h", 1).withZnodeName(ZNODE));
    }

    @Test
    void decode_nullOptionalFields_areTreatedAsAbsent() {
        assertThat(decode("{\"host\":\"h\",\"port\":1,\"name\":\"n\",\"weight\":null,"
                + "\"haproxy_server_options\":null,\"labels\":null}"))
                .hasValue(ServiceInstance.of("n", "h", 1).withZnodeName(ZNODE));
    }

    @Test
    void decode_missingName_fallsBackToTheZnodePrefix() {
        assertThat(decode("{\"host\":\"h\",\"port\":1}").orElseThrow().name()).isEqualTo("node1");
        assertThat(decode("{\"host\":\"h\",\"port\":1,\"name\":\"\"}").orElseThrow().name()).isEqualTo("node1");
        assertThat(decode("{\"host\":\"h\",\"port\":1,\"name\":null}").orElseThrow().name()).isEqualTo("node1");
        assertThat(NerveCodec.decode("plain", "{\"host\":\"h\",\"port\":1}".getBytes(UTF_8)).orElseThrow().name())
                .isEqualTo("plain");
    }

    @Test
    void instanceIdOf_znodeNames_stripsTheSequenceSuffix() {
        assertThat(NerveCodec.instanceIdOf("node1_0000000003")).isEqualTo("node1");
        assertThat(NerveCodec.instanceIdOf("my_node_0000000003")).isEqualTo("my_node");
        assertThat(NerveCodec.instanceIdOf("node1")).isEqualTo("node1");
        assertThat(NerveCodec.instanceIdOf("node1_123")).isEqualTo("node1_123");
        assertThat(NerveCodec.instanceIdOf(null)).isNull();
    }

    @Test
    void decode_portAsDigitString_isAccepted() {
        assertThat(decode("{\"host\":\"h\",\"port\":\"8080\",\"name\":\"n\",\"weight\":\"7\"}").orElseThrow())
                .satisfies(i -> assertThat(i.port()).isEqualTo(8080))
                .satisfies(i -> assertThat(i.weight()).hasValue(7));
    }

    @Test
    void decode_portNotAnInteger_isRefused() {
        assertRefused(() -> decode("{\"host\":\"h\",\"port\":\"abc\",\"name\":\"n\"}"),
                "port", "znode \"node1_0000000003\": port must be an integer but was \"abc\"");
        assertRefused(() -> decode("{\"host\":\"h\",\"port\":80.5,\"name\":\"n\"}"),
                "port", "znode \"node1_0000000003\": port must be an integer but was 80.5");
        assertRefused(() -> decode("{\"host\":\"h\",\"port\":true,\"name\":\"n\"}"),
                "port", "znode \"node1_0000000003\": port must be an integer but was true");
        assertRefused(() -> decode("{\"host\":\"h\",\"port\":\"80\\n\",\"name\":\"n\"}"),
                "port", "znode \"node1_0000000003\": port must be an integer but was \"80\\n\"");
        assertRefused(() -> decode("{\"host\":\"h\",\"port\":99999999999999999999,\"name\":\"n\"}"),
                "port", "znode \"node1_0000000003\": port must be an integer but was 99999999999999999999");
    }

    @Test
    void decode_portOutOfRange_isRefused() {
        assertRefused(() -> decode("{\"host\":\"h\",\"port\":70000,\"name\":\"n\"}"),
                "port", "znode \"node1_0000000003\": port must be in [1, 65535] but was 70000");
        assertRefused(() -> decode("{\"host\":\"h\",\"port\":0,\"name\":\"n\"}"),
                "port", "znode \"node1_0000000003\": port must be in [1, 65535] but was 0");
        assertRefused(() -> decode("{\"host\":\"h\",\"port\":\"-1\",\"name\":\"n\"}"),
                "port", "znode \"node1_0000000003\": port must be in [1, 65535] but was -1");
        assertRefused(() -> decode("{\"host\":\"h\",\"port\":4294967297,\"name\":\"n\"}"),
                "port", "znode \"node1_0000000003\": port must be in [1, 65535] but was 4294967297");
    }

    @Test
    void decode_missingRequiredFields_isRefused() {
        assertRefused(() -> decode("{\"port\":1,\"name\":\"n\"}"),
                "host", "znode \"node1_0000000003\": host is required");
        assertRefused(() -> decode("{\"host\":\"h\",\"name\":\"n\"}"),
                "port", "znode \"node1_0000000003\": port is required");
        assertRefused(() -> decode("{\"host\":null,\"port\":1}"),
                "host", "znode \"node1_0000000003\": host is required");
    }

    @Test
    void decode_wrongTypes_isRefusedNamingTheField() {
        assertRefused(() -> decode("{\"host\":42,\"port\":1}"),
                "host", "znode \"node1_0000000003\": host must be a string but was NUMBER");
        assertRefused(() -> decode("{\"host\":\"h\",\"port\":1,\"name\":[\"n\"]}"),
                "name", "znode \"node1_0000000003\": name must be a string but was ARRAY");
        assertRefused(() -> decode("{\"host\":\"h\",\"port\":1,\"haproxy_server_options\":{}}"),
                "haproxy_server_options",
                "znode \"node1_0000000003\": haproxy_server_options must be a string but was OBJECT");
        assertRefused(() -> decode("{\"host\":\"h\",\"port\":1,\"weight\":\"heavy\"}"),
                "weight", "znode \"node1_0000000003\": weight must be an integer but was \"heavy\"");
        assertRefused(() -> decode("{\"host\":\"h\",\"port\":1,\"labels\":[\"a\"]}"),
                "labels", "znode \"node1_0000000003\": labels must be an object but was ARRAY");
    }

    @Test
    void decode_labelsWithScalarValues_acceptedAsTheirJsonText_nullLeftOut() {
        // Ruby Synapse takes any JSON scalar as a label value; a label filter compares it as a string here.
        ServiceInstance i = decode("{\"host\":\"h\",\"port\":1,\"labels\":{\"shard\":3,\"canary\":true,"
                + "\"ratio\":0.5,\"az\":\"a\",\"gone\":null}}").orElseThrow();
        assertThat(i.labels()).isEqualTo(Map.of("shard", "3", "canary", "true", "ratio", "0.5", "az", "a"));
    }

    @Test
    void decode_keyGivenTwice_isRefused() {
        assertRefused(() -> decode("{\"host\":\"h\",\"port\":1,\"labels\":{\"k\":1,\"k\":2}}"),
                "data", "znode \"node1_0000000003\" is not valid JSON: \"Duplicate field 'k'\"");
        assertRefused(() -> decode("{\"host\":\"h\",\"port\":1,\"port\":2}"),
                "data", "znode \"node1_0000000003\" is not valid JSON: \"Duplicate field 'port'\"");
    }

    @Test
    void decode_labelsWithObjectOrListValues_isRefused() {
        assertRefused(() -> decode("{\"host\":\"h\",\"port\":1,\"labels\":{\"zone\":{\"a\":\"b\"}}}"),
                "labels.zone", "znode \"node1_0000000003\": labels 'zone' must be a string, a number or a boolean but was OBJECT");
        assertRefused(() -> decode("{\"host\":\"h\",\"port\":1,\"labels\":{\"zone\":[\"a\"]}}"),
                "labels.zone", "znode \"node1_0000000003\": labels 'zone' must be a string, a number or a boolean but was ARRAY");
    }

    @Test
    void decode_weightOutOfRange_isRefused() {
        assertRefused(() -> decode("{\"host\":\"h\",\"port\":1,\"weight\":257}"),
                "weight", "znode \"node1_0000000003\": weight must be in [0, 256] but was 257");
        assertRefused(() -> decode("{\"host\":\"h\",\"port\":1,\"weight\":-1}"),
                "weight", "znode \"node1_0000000003\": weight must be in [0, 256] but was -1");
    }

    @Test
    void decode_hostileHost_isRefused() {
        for (String host : List.of("127.0.0.1\\n  server evil 6.6.6.6:80", "h\\r", "h\\t", "h\\u0000", "h\\u007f",
                "h\\u2028", "h#x", "h'x", "h\\\"x", "h x")) {
            assertThatThrownBy(() -> decode("{\"host\":\"" + host + "\",\"port\":1}"))
                    .as(host)
                    .isInstanceOf(InvalidInstanceException.class)
                    .hasMessageStartingWith("znode \"node1_0000000003\": host must be a DNS name or an IP address but was \"")
                    .satisfies(e -> assertThat(((InvalidInstanceException) e).field()).isEqualTo("host"))
                    .satisfies(e -> assertThat(e.getMessage().chars()).allMatch(c -> c >= 0x20 && c < 0x7f));
        }
        assertRefused(() -> decode("{\"host\":\"127.0.0.1\\n  server evil 6.6.6.6:80\",\"port\":1}"), "host",
                "znode \"node1_0000000003\": host must be a DNS name or an IP address but was "
                        + "\"127.0.0.1\\n  server evil 6.6.6.6:80\"");
    }

    @Test
    void decode_hostileNameAndOptionsAndLabels_isRefused() {
        assertRefused(() -> decode("{\"host\":\"h\",\"port\":1,\"name\":\"n\\nx\"}"), "name",
                "znode \"node1_0000000003\": name must be 1 to 200 characters of [A-Za-z0-9._:@-] but was \"n\\nx\"");
        assertRefused(() -> decode("{\"host\":\"h\",\"port\":1,\"haproxy_server_options\":\"check # x\"}"),
                "haproxy_server_options", "znode \"node1_0000000003\": haproxy_server_options must be at most 512"
                        + " printable ASCII characters without # \" ' or \\ but was \"check # x\"");
        assertRefused(() -> decode("{\"host\":\"h\",\"port\":1,\"labels\":{\"zone\":\"a\\u2028b\"}}"), "labels.zone",
                "znode \"node1_0000000003\": label 'zone' must be at most 256 characters with no control characters"
                        + " but was \"a\\u2028b\"");
    }

    @Test
    void decode_hostileZnodeName_isQuotedInTheMessage() {
        assertRefused(() -> NerveCodec.decode("evil\nname", "{}".getBytes(UTF_8)),
                "host", "znode \"evil\\nname\": host is required");
    }

    @Test
    void decode_invalidJson_isRefused() {
        assertThatThrownBy(() -> decode("{\"host\":"))
                .isInstanceOf(InvalidInstanceException.class)
                .hasMessageStartingWith("znode \"node1_0000000003\" is not valid JSON: \"")
                .satisfies(e -> assertThat(((InvalidInstanceException) e).field()).isEqualTo("data"))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        assertThatThrownBy(() -> decode("host=h port=1"))
                .hasMessageStartingWith("znode \"node1_0000000003\" is not valid JSON: ");
        assertThatThrownBy(() -> NerveCodec.decode(ZNODE, new byte[] {(byte) 0xff, (byte) 0xfe, 0}))
                .isInstanceOf(InvalidInstanceException.class)
                .satisfies(e -> assertThat(((InvalidInstanceException) e).field()).isEqualTo("data"));
    }

    /**
     * Issue 12: a second object after the first (or any other trailing content) made the first
     * object a backend, never logged as refused. Ruby's parser refuses such data, and so do we.
     */
    @Test
    void decode_trailingContentAfterTheObject_isRefusedNotReadAsTheFirstObject() {
        String good = "{\"host\":\"127.0.0.1\",\"port\":26768,\"name\":\"trail\"}";
        assertRefused(() -> decode(good + "{\"host\":\"127.0.0.2\",\"port\":1}"), "data",
                "znode \"node1_0000000003\" must hold one JSON value but has more after it, from offset 48");
        assertRefused(() -> decode(good + " 42"), "data",
                "znode \"node1_0000000003\" must hold one JSON value but has more after it, from offset 49");
        for (String junk : new String[] {"junk", "}", "\u0000", "#", "\n{"}) {
            assertThatThrownBy(() -> decode(good + junk)).as(junk)
                    .isInstanceOf(InvalidInstanceException.class)
                    .satisfies(e -> assertThat(((InvalidInstanceException) e).field()).isEqualTo("data"))
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        }
        // whitespace after the object is not content
        assertThat(decode(good + " \n\t\r\n").orElseThrow().port()).isEqualTo(26768);
    }

    @Test
    void decoders_trailingContent_isRefusedByEveryFormat() {
        String curator = "{\"id\":\"a\",\"address\":\"127.0.0.1\",\"port\":1}";
        String serverSet = "{\"serviceEndpoint\":{\"host\":\"127.0.0.1\",\"port\":1},\"status\":\"ALIVE\"}";
        assertThatThrownBy(() -> ZnodeDecoder.curator().decode(ZNODE, (curator + curator).getBytes(UTF_8)))
                .isInstanceOf(InvalidInstanceException.class).hasMessageContaining("has more after it");
        assertThatThrownBy(() -> ZnodeDecoder.serverSet(null).decode(ZNODE, (serverSet + "[]").getBytes(UTF_8)))
                .isInstanceOf(InvalidInstanceException.class).hasMessageContaining("has more after it");
    }

    @Test
    void decode_notAnObject_isRefused() {
        assertRefused(() -> decode("[{\"host\":\"h\",\"port\":1}]"), "data",
                "znode \"node1_0000000003\" must hold a JSON object but held ARRAY");
        assertRefused(() -> decode("\"h:1\""), "data",
                "znode \"node1_0000000003\" must hold a JSON object but held STRING");
        assertRefused(() -> decode("42"), "data",
                "znode \"node1_0000000003\" must hold a JSON object but held NUMBER");
        assertRefused(() -> decode("null"), "data",
                "znode \"node1_0000000003\" must hold a JSON object but held NULL");
    }

    @Test
    void decode_emptyData_isRefused() {
        assertRefused(() -> NerveCodec.decode(ZNODE, new byte[0]), "data", "znode \"node1_0000000003\" has no data");
        assertRefused(() -> NerveCodec.decode(ZNODE, null), "data", "znode \"node1_0000000003\" has no data");
        assertThatThrownBy(() -> NerveCodec.decode(ZNODE, "   ".getBytes(UTF_8)))
                .isInstanceOf(InvalidInstanceException.class)
                .satisfies(e -> assertThat(((InvalidInstanceException) e).field()).isEqualTo("data"));
    }

    @Test
    void decode_hugeOrDeepDocument_isRefusedCheaply() {
        String deep = "{\"a\":".repeat(100) + "1" + "}".repeat(100);
        assertThatThrownBy(() -> decode(deep)).isInstanceOf(InvalidInstanceException.class)
                .satisfies(e -> assertThat(((InvalidInstanceException) e).field()).isEqualTo("data"));
        String longString = "{\"host\":\"" + "a".repeat(100_000) + "\",\"port\":1}";
        assertThatThrownBy(() -> decode(longString)).isInstanceOf(InvalidInstanceException.class)
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(1_000));
    }

    @Test
    void decoder_nerve_isNerveCodec() {
        assertThat(ZnodeDecoder.nerve().decode(ZNODE, "{\"host\":\"h\",\"port\":1}".getBytes(UTF_8)))
                .hasValue(ServiceInstance.of("node1", "h", 1).withZnodeName(ZNODE));
    }
}
