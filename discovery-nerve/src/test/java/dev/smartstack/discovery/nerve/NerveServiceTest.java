package dev.smartstack.discovery.nerve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NerveServiceTest {

    private static NerveService.Builder valid() {
        return NerveService.builder().name("web").instanceId("web-1").host("127.0.0.1").port(8080)
                .zkPath("/nerve/services/web/services");
    }

    @Test
    void build_validSettings_hasDefaultsAndPrefix() {
        NerveService s = valid().build();
        assertThat(s.checkInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(s.nodeType()).isEqualTo(NerveService.NodeType.EPHEMERAL_SEQUENTIAL);
        assertThat(s.checkMocked()).isFalse();
        assertThat(s.checks()).isEmpty();
        assertThat(s.usePathEncoding()).isFalse();
        assertThat(s.nodePrefix()).isEqualTo("/nerve/services/web/services/web-1_");
        assertThat(valid().nodeType(NerveService.NodeType.EPHEMERAL).build().nodePrefix())
                .isEqualTo("/nerve/services/web/services/web-1");
    }

    @Test
    void nodePrefix_pathEncoding_isUrlSafeBase64OfTheJsonWithItsLength() {
        NerveService s = valid().weight(5).usePathEncoding(true).build();
        String json = "{\"host\":\"127.0.0.1\",\"port\":8080,\"name\":\"web-1\",\"weight\":5}";
        String b64 = java.util.Base64.getUrlEncoder().encodeToString(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));

        assertThat(s.nodePrefix()).isEqualTo("/nerve/services/web/services/base64_" + b64.length() + "_" + b64 + "_");
        assertThat(valid().usePathEncoding(true).zkPath("/").build().nodePrefix()).startsWith("/base64_");
    }

    @Test
    void nodePrefix_pathEncodingDataTooLong_fallsBackToInstanceId() {
        Map<String, String> labels = new java.util.TreeMap<>();
        for (int i = 0; i < 200; i++) {
            labels.put("label" + i, "v".repeat(250));
        }
        NerveService s = valid().labels(labels).usePathEncoding(true).build();

        assertThat(s.nodePrefix()).isEqualTo("/nerve/services/web/services/web-1_");
        assertThat(valid().labels(labels).usePathEncoding(true).nodeType(NerveService.NodeType.EPHEMERAL).build()
                .nodePrefix()).isEqualTo("/nerve/services/web/services/web-1");
    }

    @Test
    void build_checkWithoutOwnRiseFall_usesServiceRiseFall() {
        HealthCheck a = HealthResult::ok;
        HealthCheck b = HealthResult::ok;
        NerveService s = valid().rise(3).fall(2).check(a).check(b, 5, 4).build();
        assertThat(s.checkEntries()).containsExactly(new NerveService.CheckEntry(a, 3, 2), new NerveService.CheckEntry(b, 5, 4));
    }

    @Test
    void build_missingName_throwsNamingIt() {
        assertThatThrownBy(() -> valid().name(null).build()).hasMessage("name == null");
    }

    @Test
    void build_badInstanceId_throwsWithValue() {
        assertThatThrownBy(() -> valid().instanceId("web 1").build())
                .hasMessage("instanceId must be 1 to 200 characters of [A-Za-z0-9._:@-] but was \"web 1\"");
    }

    @Test
    void build_hostWithNewline_throwsWithEscapedValue() {
        assertThatThrownBy(() -> valid().host("a\nb").build())
                .hasMessage("host must be a DNS name or an IP address but was \"a\\nb\"");
    }

    @Test
    void build_portOutOfRange_throwsWithValue() {
        assertThatThrownBy(() -> valid().port(70000).build()).hasMessage("port must be in [1, 65535] but was 70000");
        assertThatThrownBy(() -> valid().port(0).build()).hasMessage("port must be in [1, 65535] but was 0");
    }

    @Test
    void build_missingZkPath_throws() {
        assertThatThrownBy(() -> valid().zkPath(null).build()).hasMessage("zkPath == null");
    }

    @Test
    void build_relativeZkPath_throwsWithValue() {
        assertThatThrownBy(() -> valid().zkPath("nerve/web").build())
                .hasMessage("zkPath must be an absolute ZooKeeper path such as /nerve/services/web but was \"nerve/web\"");
        assertThatThrownBy(() -> valid().zkPath("/nerve/web/").build())
                .hasMessage("zkPath must be an absolute ZooKeeper path such as /nerve/services/web but was \"/nerve/web/\"");
    }

    @Test
    void build_zeroRiseOrFall_throws() {
        assertThatThrownBy(() -> valid().rise(0).build()).hasMessage("rise must be at least 1 but was 0");
        assertThatThrownBy(() -> valid().fall(-1).build()).hasMessage("fall must be at least 1 but was -1");
        assertThatThrownBy(() -> valid().check(HealthResult::ok, 1, 0).build()).hasMessage("fall must be at least 1 but was 0");
    }

    @Test
    void build_zeroInterval_throws() {
        assertThatThrownBy(() -> valid().checkInterval(Duration.ZERO).build())
                .hasMessage("checkInterval must be positive but was PT0S");
    }

    @Test
    void build_badWeight_throws() {
        assertThatThrownBy(() -> valid().weight(257).build()).hasMessage("weight must be in [0, 256] but was 257");
    }

    @Test
    void build_badLabel_throws() {
        assertThatThrownBy(() -> valid().labels(Map.of("az", "us\r\n")).build())
                .hasMessage("label 'az' must be at most 256 characters with no control characters but was \"us\\r\\n\"");
    }

    @Test
    void build_serverOptionsWithComment_throws() {
        assertThatThrownBy(() -> valid().haproxyServerOptions("check # x").build())
                .hasMessage("haproxy_server_options must be at most 512 printable ASCII characters without # \" ' or \\ but was \"check # x\"");
    }

    @Test
    void rateLimit_badValues_throw() {
        assertThatThrownBy(() -> new NerveService.RateLimit(0, 1, false)).hasMessage("averageRate must be positive but was 0.0");
        assertThatThrownBy(() -> new NerveService.RateLimit(1, 0, false)).hasMessage("maxBurst must be at least 1 but was 0");
    }

    @Test
    void httpCheck_missingUri_throws() {
        assertThatThrownBy(() -> HealthChecks.http().host("127.0.0.1").port(80).build())
                .hasMessage("uri is required for an http check");
        assertThatThrownBy(() -> HealthChecks.http("127.0.0.1", 80, "health"))
                .hasMessage("uri must be a path starting with / but was \"health\"");
        assertThatThrownBy(() -> HealthChecks.tcp("127.0.0.1", 80, Duration.ZERO))
                .hasMessage("timeout must be positive but was PT0S");
    }

    @Test
    void reporterBuild_noService_throws() {
        assertThatThrownBy(() -> NerveReporter.builder().curator(null))
                .hasMessage("curator == null");
        assertThatThrownBy(() -> NerveReporter.builder().build()).hasMessage("at least one service is required");
        assertThatThrownBy(() -> NerveReporter.builder().service(valid().build()).build())
                .hasMessage("NerveReporter needs a ZooKeeper connection: set curator(client) or zooKeeper(settings)");
    }

    @Test
    void reporterBuild_duplicateService_throws() {
        assertThatThrownBy(() -> NerveReporter.builder().service(valid().build()).service(valid().build()).build())
                .hasMessage("service names must be unique but \"web\" appears twice");
        assertThatThrownBy(() -> NerveReporter.builder().service(valid().build()).service(valid().name("other").build()).build())
                .hasMessage("services \"web\" and \"other\" register the same node /nerve/services/web/services/web-1_");
    }

    @Test
    void reporterBuild_negativeDrain_throws() {
        assertThatThrownBy(() -> NerveReporter.builder().drainDelay(Duration.ofSeconds(-1)))
                .hasMessage("drainDelay must not be negative but was PT-1S");
    }

    @Test
    void build_ttl_persistentTypesOnly_positive() {
        assertThatThrownBy(() -> valid().ttl(Duration.ofSeconds(30)).build())
                .hasMessage("ttl applies to the persistent node types only but nodeType was EPHEMERAL_SEQUENTIAL");
        assertThatThrownBy(() -> valid().nodeType(NerveService.NodeType.PERSISTENT).ttl(Duration.ZERO).build())
                .hasMessage("ttl must be positive but was PT0S");
        NerveService s = valid().nodeType(NerveService.NodeType.PERSISTENT_SEQUENTIAL).ttl(Duration.ofSeconds(30)).build();
        assertThat(s.ttl()).contains(Duration.ofSeconds(30));
        assertThat(valid().build().ttl()).isEmpty();
    }

    @Test
    void nodePrefix_persistentTypes_instanceIdAndUnderscoreAsRuby() {
        assertThat(valid().nodeType(NerveService.NodeType.PERSISTENT).build().nodePrefix()).endsWith("/" + valid().build().instanceId() + "_");
        assertThat(valid().nodeType(NerveService.NodeType.PERSISTENT_SEQUENTIAL).build().nodePrefix())
                .isEqualTo(valid().build().nodePrefix());
    }
}
