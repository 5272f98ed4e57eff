package dev.smartstack.discovery.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class ServiceInstanceTest {

    private static ServiceInstance full() {
        return ServiceInstance.builder()
                .name("node1").host("127.0.0.1").port(8080).weight(10)
                .haproxyServerOptions("check inter 2s")
                .labels(Map.of("zone", "a", "az", "us-east-1a"))
                .znodeName("node1_0000000003")
                .build();
    }

    @Test
    void builder_allFields_areKept() {
        ServiceInstance i = full();
        assertThat(i.name()).isEqualTo("node1");
        assertThat(i.host()).isEqualTo("127.0.0.1");
        assertThat(i.port()).isEqualTo(8080);
        assertThat(i.weight()).hasValue(10);
        assertThat(i.haproxyServerOptions()).hasValue("check inter 2s");
        assertThat(i.labels()).containsExactly(Map.entry("az", "us-east-1a"), Map.entry("zone", "a"));
        assertThat(i.znodeName()).hasValue("node1_0000000003");
        assertThat(i.sequence()).isEqualTo(3);
    }

    @Test
    void of_nameHostPort_leavesOptionalFieldsEmpty() {
        ServiceInstance i = ServiceInstance.of("web", "localhost", 80);
        assertThat(i.weight()).isEmpty();
        assertThat(i.haproxyServerOptions()).isEmpty();
        assertThat(i.labels()).isEmpty();
        assertThat(i.znodeName()).isEmpty();
        assertThat(i.sequence()).isEqualTo(-1);
    }

    @Test
    void build_missingName_isRefused() {
        assertThatThrownBy(() -> ServiceInstance.builder().host("h").port(1).build())
                .isInstanceOf(InvalidInstanceException.class).hasMessage("name == null");
    }

    @Test
    void build_missingHost_isRefused() {
        assertThatThrownBy(() -> ServiceInstance.builder().name("n").port(1).build())
                .isInstanceOf(InvalidInstanceException.class).hasMessage("host == null");
    }

    @Test
    void build_missingPort_isRefused() {
        assertThatThrownBy(() -> ServiceInstance.builder().name("n").host("h").build())
                .isInstanceOf(InvalidInstanceException.class).hasMessage("port must be in [1, 65535] but was 0");
    }

    @Test
    void build_badWeight_isRefused() {
        assertThatThrownBy(() -> ServiceInstance.builder().name("n").host("h").port(1).weight(257).build())
                .hasMessage("weight must be in [0, 256] but was 257");
        assertThatThrownBy(() -> ServiceInstance.builder().name("n").host("h").port(1).weight(-1).build())
                .hasMessage("weight must be in [0, 256] but was -1");
    }

    @Test
    void build_hostileServerOptions_isRefused() {
        assertThatThrownBy(() -> ServiceInstance.builder().name("n").host("h").port(1)
                .haproxyServerOptions("check\nserver evil 1.2.3.4:80").build())
                .isInstanceOf(InvalidInstanceException.class)
                .hasMessageContaining("\"check\\nserver evil 1.2.3.4:80\"");
    }

    @Test
    void labels_callerMutatesItsMap_instanceIsUnchanged() {
        Map<String, String> labels = new HashMap<>(Map.of("zone", "a"));
        ServiceInstance i = ServiceInstance.builder().name("n").host("h").port(1).labels(labels).build();
        labels.put("zone", "b");
        labels.put("extra", "x");
        assertThat(i.labels()).containsExactly(Map.entry("zone", "a"));
    }

    @Test
    void labels_returnedMap_isUnmodifiable() {
        ServiceInstance i = full();
        assertThatThrownBy(() -> i.labels().put("k", "v")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> i.labels().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void labels_null_isRefusedByTheBuilder() {
        assertThatThrownBy(() -> ServiceInstance.builder().labels(null))
                .isInstanceOf(NullPointerException.class).hasMessage("labels == null");
    }

    @Test
    void weight_emptyOptionalInt_clearsIt() {
        ServiceInstance i = full().toBuilder().weight(OptionalInt.empty()).build();
        assertThat(i.weight()).isEmpty();
        assertThat(full().toBuilder().weight(OptionalInt.of(5)).build().weight()).hasValue(5);
    }

    @Test
    void equals_sameFields_isEqualWithSameHashCode() {
        assertThat(full()).isEqualTo(full()).hasSameHashCodeAs(full());
        assertThat(full().toBuilder().build()).isEqualTo(full());
    }

    @Test
    void equals_anyFieldDiffers_isNotEqual() {
        ServiceInstance base = full();
        assertThat(base.toBuilder().name("node2").build()).isNotEqualTo(base);
        assertThat(base.toBuilder().host("127.0.0.2").build()).isNotEqualTo(base);
        assertThat(base.toBuilder().port(8081).build()).isNotEqualTo(base);
        assertThat(base.toBuilder().weight(11).build()).isNotEqualTo(base);
        assertThat(base.toBuilder().weight(OptionalInt.empty()).build()).isNotEqualTo(base);
        assertThat(base.toBuilder().haproxyServerOptions(null).build()).isNotEqualTo(base);
        assertThat(base.toBuilder().labels(Map.of()).build()).isNotEqualTo(base);
        assertThat(base.toBuilder().znodeName("node1_0000000004").build()).isNotEqualTo(base);
        assertThat(base.toBuilder().znodeName(null).build()).isNotEqualTo(base);
        assertThat(base).isNotEqualTo(null).isNotEqualTo("node1");
    }

    @Test
    void equals_labelsInAnotherOrder_isEqual() {
        Map<String, String> a = new java.util.LinkedHashMap<>();
        a.put("x", "1");
        a.put("y", "2");
        Map<String, String> b = new java.util.LinkedHashMap<>();
        b.put("y", "2");
        b.put("x", "1");
        ServiceInstance i = ServiceInstance.builder().name("n").host("h").port(1).labels(a).build();
        ServiceInstance j = ServiceInstance.builder().name("n").host("h").port(1).labels(b).build();
        assertThat(i).isEqualTo(j).hasSameHashCodeAs(j);
    }

    @Test
    void sequence_sequentialZnodeName_isParsed() {
        assertThat(ServiceInstance.sequenceOf("node1_0000000003")).isEqualTo(3);
        assertThat(ServiceInstance.sequenceOf("node_1_0000000042")).isEqualTo(42);
        assertThat(ServiceInstance.sequenceOf("_2147483647")).isEqualTo(2_147_483_647L);
        assertThat(ServiceInstance.sequenceOf("a_9999999999")).isEqualTo(9_999_999_999L);
    }

    @Test
    void sequence_otherZnodeNames_isMinusOne() {
        assertThat(ServiceInstance.sequenceOf(null)).isEqualTo(-1);
        assertThat(ServiceInstance.sequenceOf("node1")).isEqualTo(-1);
        assertThat(ServiceInstance.sequenceOf("node1_123")).isEqualTo(-1);
        assertThat(ServiceInstance.sequenceOf("node1_00000000031")).isEqualTo(-1);
        assertThat(ServiceInstance.sequenceOf("node10000000003")).isEqualTo(-1);
        assertThat(ServiceInstance.sequenceOf("node1_-000000003")).isEqualTo(-1);
    }

    @Test
    void key_withZnodeName_isTheZnodeName() {
        assertThat(full().key()).isEqualTo("node1_0000000003");
    }

    @Test
    void key_withoutZnodeName_isNameAtAddress() {
        assertThat(ServiceInstance.of("node1", "127.0.0.1", 8080).key()).isEqualTo("node1@127.0.0.1:8080");
        assertThat(ServiceInstance.of("node1", "::1", 8080).key()).isEqualTo("node1@[::1]:8080");
    }

    @Test
    void address_ipv4AndName_isHostColonPort() {
        assertThat(ServiceInstance.of("n", "127.0.0.1", 80).address()).isEqualTo("127.0.0.1:80");
        assertThat(ServiceInstance.of("n", "web.example.com", 443).address()).isEqualTo("web.example.com:443");
    }

    @Test
    void address_ipv6_isBracketed() {
        assertThat(ServiceInstance.of("n", "2001:db8::1", 8080).address()).isEqualTo("[2001:db8::1]:8080");
        assertThat(ServiceInstance.of("n", "::1", 1).address()).isEqualTo("[::1]:1");
    }

    @Test
    void withPort_newPort_keepsEverythingElse() {
        ServiceInstance moved = full().withPort(9090);
        assertThat(moved.port()).isEqualTo(9090);
        assertThat(moved.toBuilder().port(8080).build()).isEqualTo(full());
        assertThatThrownBy(() -> full().withPort(70000)).hasMessage("port must be in [1, 65535] but was 70000");
    }

    @Test
    void withZnodeName_newName_changesSequenceAndKey() {
        ServiceInstance renamed = full().withZnodeName("node1_0000000010");
        assertThat(renamed.sequence()).isEqualTo(10);
        assertThat(renamed.key()).isEqualTo("node1_0000000010");
        assertThat(full().withZnodeName(null).sequence()).isEqualTo(-1);
    }

    /**
     * Issue 12 hostile-input suite: ZooKeeper allows U+2028/U+2029 (and spaces, quotes...) in a
     * child name, and toString printed the name raw into log lines.
     */
    @Test
    void toString_znodeNameWithLineSeparator_isQuotedAndEscaped() {
        ServiceInstance i = ServiceInstance.builder().name("n").host("127.0.0.1").port(1)
                .znodeName("evil\u2028forged line_0000000001").build();
        assertThat(i.toString()).isEqualTo("ServiceInstance{n 127.0.0.1:1 znode=\"evil\\u2028forged line_0000000001\"}");
        assertThat(Validation.hasControlCharacter(i.toString())).isFalse();
    }

    @Test
    void toString_hostileLookingOptions_staysOnOneLine() {
        assertThat(full().toString()).isEqualTo("ServiceInstance{node1 127.0.0.1:8080 weight=10 options=\"check inter 2s\""
                + " labels={az=us-east-1a, zone=a} znode=node1_0000000003}");
        assertThat(ServiceInstance.of("n", "h", 1).toString()).isEqualTo("ServiceInstance{n h:1}");
    }
}
