package dev.smartstack.discovery.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ValidationTest {

    // ---- ZooKeeper path ----

    @ParameterizedTest
    @ValueSource(strings = {"/", "/nerve", "/nerve/services/web", "/a.b/c-d_e"})
    void isValidZkPath_absolutePaths_true(String path) {
        assertThat(Validation.isValidZkPath(path)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "nerve/web", "/nerve/", "/a//b", "/a/./b", "/a/..", "/a\nb"})
    void isValidZkPath_relativeEmptyDotOrControl_false(String path) {
        assertThat(Validation.isValidZkPath(path)).isFalse();
    }

    // ---- host ----

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "a", "web-1", "under_score", "db1.prod.example.com", "example.com.",
        "0.0.0.0", "127.0.0.1", "127.0.0.1", "255.255.255.255", "1.2.3.4",
        "::1", "::", "fe80::1", "2001:db8::8a2e:370:7334", "2001:0db8:0000:0000:0000:ff00:0042:8329",
        "FE80::ABCD", "1host", "123abc"})
    void requireValidHost_validHost_returnsIt(String host) {
        assertThat(Validation.requireValidHost(host)).isEqualTo(host);
        assertThat(Validation.isValidHost(host)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "-web", "web..1", ".web", "a b", "web!", "web/1", "web:80x",
        "1.2.3.999", "256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4.5",
        "[::1]", "fe80::1%eth0", "1:2", ":::", "2001:db8::g", "::1::", "12345::",
        "web#1", "web\"1", "web'1", "web;1", "web,1", "h\u00e9llo", "a\u2028b"})
    void requireValidHost_invalidHost_isRefused(String host) {
        assertThat(Validation.isValidHost(host)).isFalse();
        assertThatThrownBy(() -> Validation.requireValidHost(host))
                .isInstanceOf(InvalidInstanceException.class)
                .hasMessage("host must be a DNS name or an IP address but was " + Validation.quote(host))
                .satisfies(e -> assertThat(((InvalidInstanceException) e).field()).isEqualTo("host"));
    }

    @Test
    void requireValidHost_null_isRefused() {
        assertThatThrownBy(() -> Validation.requireValidHost(null))
                .isInstanceOf(InvalidInstanceException.class)
                .hasMessage("host == null");
        assertThat(Validation.isValidHost(null)).isFalse();
    }

    @Test
    void requireValidHost_newline_isRefusedWithEscapedMessage() {
        assertThatThrownBy(() -> Validation.requireValidHost("127.0.0.1\n    server evil 6.6.6.6:80"))
                .hasMessage("host must be a DNS name or an IP address but was \"127.0.0.1\\n    server evil 6.6.6.6:80\"");
    }

    @Test
    void requireValidHost_controlCharacters_areRefused() {
        for (String host : new String[] {"web\r", "web\t1", "web\u0000", "web\u007f", "web\n", "\nweb", "web\u0085"}) {
            assertThat(Validation.isValidHost(host)).as(Validation.quote(host)).isFalse();
        }
    }

    @Test
    void requireValidHost_253Characters_isAcceptedAnd254IsRefused() {
        String label = "a".repeat(63);
        String host253 = label + "." + label + "." + label + "." + "a".repeat(61);
        assertThat(host253).hasSize(253);
        assertThat(Validation.isValidHost(host253)).isTrue();
        String host254 = host253 + "a";
        assertThat(Validation.isValidHost(host254)).isFalse();
        assertThatThrownBy(() -> Validation.requireValidHost(host254))
                .hasMessageStartingWith("host must be a DNS name or an IP address but was \"aaaa")
                .hasMessageEndingWith("...(254 chars)\"");
    }

    @Test
    void requireValidHost_labelOf63_isAcceptedAnd64IsRefused() {
        assertThat(Validation.isValidHost("a".repeat(63) + ".example")).isTrue();
        assertThat(Validation.isValidHost("a".repeat(64) + ".example")).isFalse();
    }

    @Test
    void requireValidHost_ipv4MappedIpv6_isRefusedBecauseJavaReadsItAsIpv4() {
        // InetAddress turns ::ffff:a.b.c.d into an Inet4Address; such a host is not what anyone registers.
        assertThat(Validation.isValidHost("::ffff:127.0.0.1")).isFalse();
    }

    // ---- port ----

    @ParameterizedTest
    @ValueSource(ints = {1, 80, 8080, 65535})
    void requireValidPort_inRange_returnsIt(int port) {
        assertThat(Validation.requireValidPort(port)).isEqualTo(port);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 65536, 70000, Integer.MIN_VALUE, Integer.MAX_VALUE})
    void requireValidPort_outOfRange_isRefused(int port) {
        assertThatThrownBy(() -> Validation.requireValidPort(port))
                .isInstanceOf(InvalidInstanceException.class)
                .hasMessage("port must be in [1, 65535] but was " + port)
                .satisfies(e -> assertThat(((InvalidInstanceException) e).field()).isEqualTo("port"));
    }

    @Test
    void requireValidPort_namedFieldAndLongValue_namesTheFieldAndKeepsTheValue() {
        assertThatThrownBy(() -> Validation.requireValidPort("serviceEndpoint.port", 4_294_967_297L))
                .hasMessage("serviceEndpoint.port must be in [1, 65535] but was 4294967297")
                .satisfies(e -> assertThat(((InvalidInstanceException) e).field()).isEqualTo("serviceEndpoint.port"));
    }

    // ---- name ----

    @ParameterizedTest
    @ValueSource(strings = {"a", "node1", "i-0abc", "web_1.prod", "host:8080", "svc@host", "A-Z.a-z_0-9:@"})
    void requireValidName_valid_returnsIt(String name) {
        assertThat(Validation.requireValidName(name)).isEqualTo(name);
        assertThat(Validation.isValidName(name)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "a b", "a/b", "a#b", "a\"b", "a'b", "a\\b", "a\nb", "a\rb", "a\tb",
        "a\u0000b", "a\u007fb", "a\u2028b", "caf\u00e9", "a;b", "a,b"})
    void requireValidName_invalid_isRefused(String name) {
        assertThat(Validation.isValidName(name)).isFalse();
        assertThatThrownBy(() -> Validation.requireValidName(name))
                .isInstanceOf(InvalidInstanceException.class)
                .hasMessage("name must be 1 to 200 characters of [A-Za-z0-9._:@-] but was " + Validation.quote(name));
    }

    @Test
    void requireValidName_200Characters_isAcceptedAnd201IsRefused() {
        assertThat(Validation.requireValidName("n".repeat(200))).hasSize(200);
        assertThatThrownBy(() -> Validation.requireValidName("n".repeat(201)))
                .hasMessage("name must be 1 to 200 characters of [A-Za-z0-9._:@-] but was \""
                        + "n".repeat(100) + "...(201 chars)\"");
    }

    @Test
    void requireValidName_null_isRefused() {
        assertThatThrownBy(() -> Validation.requireValidName(null)).hasMessage("name == null");
        assertThatThrownBy(() -> Validation.requireValidName("id", null))
                .hasMessage("id == null")
                .satisfies(e -> assertThat(((InvalidInstanceException) e).field()).isEqualTo("id"));
        assertThat(Validation.isValidName(null)).isFalse();
    }

    @Test
    void requireValidName_namedField_namesItInTheMessage() {
        assertThatThrownBy(() -> Validation.requireValidName("id", "a b"))
                .hasMessage("id must be 1 to 200 characters of [A-Za-z0-9._:@-] but was \"a b\"");
    }

    // ---- weight ----

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 100, 256})
    void requireValidWeight_inRange_returnsIt(long weight) {
        assertThat(Validation.requireValidWeight(weight)).isEqualTo((int) weight);
    }

    @ParameterizedTest
    @ValueSource(longs = {-1, 257, 1000, Long.MAX_VALUE, Long.MIN_VALUE})
    void requireValidWeight_outOfRange_isRefused(long weight) {
        assertThatThrownBy(() -> Validation.requireValidWeight(weight))
                .isInstanceOf(InvalidInstanceException.class)
                .hasMessage("weight must be in [0, 256] but was " + weight)
                .satisfies(e -> assertThat(((InvalidInstanceException) e).field()).isEqualTo("weight"));
    }

    // ---- labels ----

    @Test
    void requireValidLabels_valid_returnsThem() {
        Map<String, String> labels = Map.of("az", "us-east-1a", "k8s.io/role", "web", "empty", "",
                "v", "x".repeat(256), "unicode", "caf\u00e9 \u00fc");
        assertThat(Validation.requireValidLabels(labels)).isSameAs(labels);
        assertThat(Validation.requireValidLabels(Map.of())).isEmpty();
    }

    @Test
    void requireValidLabels_null_isRefused() {
        assertThatThrownBy(() -> Validation.requireValidLabels(null))
                .isInstanceOf(InvalidInstanceException.class)
                .hasMessage("labels == null");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a b", "a\nb", "a#b", "a:b", "a=b", "caf\u00e9"})
    void requireValidLabels_badKey_isRefused(String key) {
        assertThatThrownBy(() -> Validation.requireValidLabels(Map.of(key, "v")))
                .isInstanceOf(InvalidInstanceException.class)
                .hasMessage("label keys must be 1 to 63 characters of [A-Za-z0-9._/-] but was " + Validation.quote(key))
                .satisfies(e -> assertThat(((InvalidInstanceException) e).field()).isEqualTo("labels"));
    }

    @Test
    void requireValidLabels_keyOf63_isAcceptedAnd64IsRefused() {
        assertThat(Validation.requireValidLabels(Map.of("k".repeat(63), "v"))).hasSize(1);
        assertThatThrownBy(() -> Validation.requireValidLabels(Map.of("k".repeat(64), "v")))
                .hasMessage("label keys must be 1 to 63 characters of [A-Za-z0-9._/-] but was \"" + "k".repeat(64) + "\"");
    }

    @Test
    void requireValidLabels_nullKey_isRefused() {
        Map<String, String> labels = new HashMap<>();
        labels.put(null, "v");
        assertThatThrownBy(() -> Validation.requireValidLabels(labels))
                .hasMessage("label keys must be 1 to 63 characters of [A-Za-z0-9._/-] but was null");
    }

    @Test
    void requireValidLabels_nullValue_isRefusedNamingTheLabel() {
        Map<String, String> labels = new HashMap<>();
        labels.put("zone", null);
        assertThatThrownBy(() -> Validation.requireValidLabels(labels))
                .hasMessage("label 'zone' must be a string but was null")
                .satisfies(e -> assertThat(((InvalidInstanceException) e).field()).isEqualTo("labels.zone"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\nb", "a\rb", "a\tb", "a\u0000b", "a\u007fb", "a\u0085b", "a\u2028b", "a\u2029b"})
    void requireValidLabels_controlCharacterInValue_isRefused(String value) {
        assertThatThrownBy(() -> Validation.requireValidLabels(Map.of("zone", value)))
                .isInstanceOf(InvalidInstanceException.class)
                .hasMessage("label 'zone' must be at most 256 characters with no control characters but was "
                        + Validation.quote(value))
                .satisfies(e -> assertThat(((InvalidInstanceException) e).field()).isEqualTo("labels.zone"))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n", "\r", "\u2028"));
    }

    @Test
    void requireValidLabels_valueOf257_isRefused() {
        assertThatThrownBy(() -> Validation.requireValidLabels(Map.of("zone", "x".repeat(257))))
                .hasMessage("label 'zone' must be at most 256 characters with no control characters but was \""
                        + "x".repeat(100) + "...(257 chars)\"");
    }

    // ---- haproxy_server_options ----

    @ParameterizedTest
    @ValueSource(strings = {"", "check", "check inter 2s rise 3 fall 2", "backup", "maxconn 100 weight 10",
        "cookie web1 send-proxy", "agent-check agent-port 9999"})
    void requireValidServerOptions_valid_returnsThem(String options) {
        assertThat(Validation.requireValidServerOptions(options)).isEqualTo(options);
    }

    @ParameterizedTest
    @ValueSource(strings = {"check # comment", "check\nserver evil 1.2.3.4:80", "check\r", "check\tinter 2s",
        "check\u0000", "check\u007f", "cookie \"x\"", "cookie 'x'", "cookie \\x", "caf\u00e9", "check\u2028"})
    void requireValidServerOptions_unsafe_isRefused(String options) {
        assertThatThrownBy(() -> Validation.requireValidServerOptions(options))
                .isInstanceOf(InvalidInstanceException.class)
                .hasMessage("haproxy_server_options must be at most 512 printable ASCII characters without # \" ' or \\ but was "
                        + Validation.quote(options))
                .satisfies(e -> assertThat(((InvalidInstanceException) e).field()).isEqualTo("haproxy_server_options"));
    }

    @Test
    void requireValidServerOptions_512Characters_isAcceptedAnd513IsRefused() {
        assertThat(Validation.requireValidServerOptions("c".repeat(512))).hasSize(512);
        assertThatThrownBy(() -> Validation.requireValidServerOptions("c".repeat(513)))
                .hasMessageEndingWith("...(513 chars)\"");
    }

    @Test
    void requireValidServerOptions_null_isRefused() {
        assertThatThrownBy(() -> Validation.requireValidServerOptions(null))
                .hasMessage("haproxy_server_options == null");
    }

    // ---- hasControlCharacter ----

    @ParameterizedTest
    @ValueSource(strings = {"\n", "\r", "\t", "\u0000", "\u001b", "\u007f", "\u0080", "\u0085", "\u009f", "\u2028", "\u2029",
        "ok\n"})
    void hasControlCharacter_controlCharacter_isTrue(String s) {
        assertThat(Validation.hasControlCharacter(s)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "plain text", "#'\"\\", "caf\u00e9", "\u00a0", "\u4e2d\u6587", "\ud83d\ude00"})
    void hasControlCharacter_printable_isFalse(String s) {
        assertThat(Validation.hasControlCharacter(s)).isFalse();
    }

    // ---- quote ----

    @Test
    void quote_null_isTheWordNull() {
        assertThat(Validation.quote(null)).isEqualTo("null");
    }

    @Test
    void quote_plain_isWrappedInQuotes() {
        assertThat(Validation.quote("web-1")).isEqualTo("\"web-1\"");
        assertThat(Validation.quote("")).isEqualTo("\"\"");
    }

    @Test
    void quote_specialCharacters_areEscaped() {
        assertThat(Validation.quote("a\nb\rc\td")).isEqualTo("\"a\\nb\\rc\\td\"");
        assertThat(Validation.quote("say \"hi\" \\o/")).isEqualTo("\"say \\\"hi\\\" \\\\o/\"");
        assertThat(Validation.quote("nul\u0000del\u007f")).isEqualTo("\"nul\\u0000del\\u007f\"");
        assertThat(Validation.quote("ls\u2028ps\u2029")).isEqualTo("\"ls\\u2028ps\\u2029\"");
        assertThat(Validation.quote("caf\u00e9")).isEqualTo("\"caf\\u00e9\"");
        assertThat(Validation.quote("#'")).isEqualTo("\"#'\"");
    }

    @Test
    void quote_anyValue_staysOnOnePrintableAsciiLine() {
        StringBuilder all = new StringBuilder();
        for (char c = 0; c < 0x3000; c++) {
            all.append(c);
        }
        for (int from = 0; from < all.length(); from += 90) {
            String quoted = Validation.quote(all.substring(from, Math.min(all.length(), from + 90)));
            assertThat(quoted.chars()).allMatch(c -> c >= 0x20 && c < 0x7f);
        }
    }

    @Test
    void quote_longValue_isCutAfter100CharactersWithItsLength() {
        assertThat(Validation.quote("x".repeat(100))).isEqualTo("\"" + "x".repeat(100) + "\"");
        assertThat(Validation.quote("x".repeat(101))).isEqualTo("\"" + "x".repeat(100) + "...(101 chars)\"");
        assertThat(Validation.quote("\n".repeat(1_000_000))).isEqualTo("\"" + "\\n".repeat(100) + "...(1000000 chars)\"");
    }
}
