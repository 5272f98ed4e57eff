package dev.smartstack.discovery.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class ZnodeDecoderTest {
    private static final String UUID = "5e6a3f3e-2b7a-4c1e-9d0f-0123456789ab";

    private static byte[] bytes(String json) {
        return json.getBytes(UTF_8);
    }

    private static void assertRefused(ThrowingCallable call, String field, String message) {
        assertThatThrownBy(call)
                .isInstanceOf(InvalidInstanceException.class)
                .hasMessage(message)
                .satisfies(e -> assertThat(((InvalidInstanceException) e).field()).isEqualTo(field));
    }

    // ---- Curator x-discovery ----

    /** What Curator 5's JsonInstanceSerializer writes. */
    private static String curatorJson(String extra) {
        return "{\"name\":\"web\",\"id\":\"" + UUID + "\",\"address\":\"127.0.0.7\",\"port\":8080,\"sslPort\":null,"
                + "\"payload\":null,\"registrationTimeUTC\":1700000000000,\"serviceType\":\"DYNAMIC\","
                + "\"uriSpec\":{\"parts\":[]}" + extra + "}";
    }

    @Test
    void curator_curatorServiceInstance_isRead() {
        assertThat(ZnodeDecoder.curator().decode(UUID, bytes(curatorJson(""))))
                .hasValue(ServiceInstance.builder().name(UUID).host("127.0.0.7").port(8080).znodeName(UUID).build());
    }

    @Test
    void curator_enabledTrue_isRead() {
        assertThat(ZnodeDecoder.curator().decode(UUID, bytes(curatorJson(",\"enabled\":true")))).isPresent();
        assertThat(ZnodeDecoder.curator().decode(UUID, bytes(curatorJson(",\"enabled\":null")))).isPresent();
    }

    @Test
    void curator_enabledFalse_isEmpty() {
        assertThat(ZnodeDecoder.curator().decode(UUID, bytes(curatorJson(",\"enabled\":false")))).isEmpty();
    }

    /** What Spring Cloud Zookeeper writes: its ZookeeperInstance as the payload. */
    private static String springCloudJson(String status) {
        return curatorJson("").replace("\"payload\":null", "\"payload\":{\"@class\":"
                + "\"org.springframework.cloud.zookeeper.discovery.ZookeeperInstance\",\"id\":\"app-1\","
                + "\"name\":\"web\",\"metadata\":{\"instance_status\":\"" + status + "\"}}");
    }

    @Test
    void curator_springCloudInstanceStatusUp_isRead() {
        assertThat(ZnodeDecoder.curator().decode(UUID, bytes(springCloudJson("UP")))).isPresent();
    }

    @Test
    void curator_springCloudOutOfService_isEmpty() {
        assertThat(ZnodeDecoder.curator().decode(UUID, bytes(springCloudJson("OUT_OF_SERVICE")))).isEmpty();
        assertThat(ZnodeDecoder.curator().decode(UUID, bytes(springCloudJson("out_of_service")))).isEmpty();
    }

    @Test
    void curator_payloadOfAnotherShape_isIgnored() {
        assertThat(ZnodeDecoder.curator().decode(UUID,
                bytes(curatorJson("").replace("\"payload\":null", "\"payload\":\"opaque\"")))).isPresent();
        assertThat(ZnodeDecoder.curator().decode(UUID,
                bytes(curatorJson("").replace("\"payload\":null", "\"payload\":{\"metadata\":[1]}")))).isPresent();
    }

    @Test
    void curator_enabledNotBoolean_isRefused() {
        assertRefused(() -> ZnodeDecoder.curator().decode(UUID, bytes(curatorJson(",\"enabled\":\"false\""))),
                "enabled", "znode \"" + UUID + "\": enabled must be a boolean but was STRING");
    }

    @Test
    void curator_onlySslPort_usesIt() {
        assertThat(ZnodeDecoder.curator().decode(UUID,
                bytes("{\"id\":\"a\",\"address\":\"h\",\"port\":null,\"sslPort\":8443}")).orElseThrow().port())
                .isEqualTo(8443);
        assertThat(ZnodeDecoder.curator().decode(UUID,
                bytes("{\"id\":\"a\",\"address\":\"h\",\"port\":80,\"sslPort\":8443}")).orElseThrow().port())
                .isEqualTo(80);
    }

    @Test
    void curator_noPort_isRefused() {
        assertRefused(() -> ZnodeDecoder.curator().decode(UUID, bytes("{\"id\":\"a\",\"address\":\"h\"}")),
                "port", "znode \"" + UUID + "\": port or sslPort is required");
    }

    @Test
    void curator_missingId_usesTheZnodeName() {
        assertThat(ZnodeDecoder.curator().decode(UUID, bytes("{\"address\":\"h\",\"port\":1}")).orElseThrow().name())
                .isEqualTo(UUID);
    }

    @Test
    void curator_badAddressOrPort_isRefused() {
        assertRefused(() -> ZnodeDecoder.curator().decode(UUID, bytes("{\"id\":\"a\",\"port\":1}")),
                "address", "znode \"" + UUID + "\": address is required");
        assertRefused(() -> ZnodeDecoder.curator().decode(UUID, bytes("{\"id\":\"a\",\"address\":\"h\\nx\",\"port\":1}")),
                "host", "znode \"" + UUID + "\": host must be a DNS name or an IP address but was \"h\\nx\"");
        assertRefused(() -> ZnodeDecoder.curator().decode(UUID, bytes("{\"id\":\"a\",\"address\":\"h\",\"sslPort\":70000}")),
                "port", "znode \"" + UUID + "\": port must be in [1, 65535] but was 70000");
        assertRefused(() -> ZnodeDecoder.curator().decode(UUID, bytes("[]")),
                "data", "znode \"" + UUID + "\" must hold a JSON object but held ARRAY");
    }

    // ---- Finagle ServerSet ----

    private static final String MEMBER = "member_0000000007";
    private static final String SERVERSET = "{\"serviceEndpoint\":{\"host\":\"127.0.0.8\",\"port\":31000},"
            + "\"additionalEndpoints\":{\"http\":{\"host\":\"127.0.0.8\",\"port\":31001},"
            + "\"admin\":{\"host\":\"127.0.0.9\",\"port\":31002}},\"status\":\"ALIVE\",\"shard\":0}";

    @Test
    void serverSet_noEndpointName_usesServiceEndpoint() {
        assertThat(ZnodeDecoder.serverSet(null).decode(MEMBER, bytes(SERVERSET)))
                .hasValue(ServiceInstance.builder().name(MEMBER).host("127.0.0.8").port(31000).znodeName(MEMBER).build());
        assertThat(ZnodeDecoder.serverSet("").decode(MEMBER, bytes(SERVERSET)).orElseThrow().port()).isEqualTo(31000);
    }

    @Test
    void serverSet_endpointName_selectsTheAdditionalEndpoint() {
        assertThat(ZnodeDecoder.serverSet("http").decode(MEMBER, bytes(SERVERSET)).orElseThrow().address())
                .isEqualTo("127.0.0.8:31001");
        assertThat(ZnodeDecoder.serverSet("admin").decode(MEMBER, bytes(SERVERSET)).orElseThrow().address())
                .isEqualTo("127.0.0.9:31002");
        assertThat(ZnodeDecoder.serverSet("admin").decode(MEMBER, bytes(SERVERSET)).orElseThrow().sequence())
                .isEqualTo(7);
    }

    @Test
    void serverSet_missingEndpoint_isRefused() {
        assertRefused(() -> ZnodeDecoder.serverSet("grpc").decode(MEMBER, bytes(SERVERSET)),
                "additionalEndpoints.grpc",
                "znode \"member_0000000007\": additionalEndpoints.grpc must be an object with host and port");
        assertRefused(() -> ZnodeDecoder.serverSet(null).decode(MEMBER, bytes("{\"status\":\"ALIVE\"}")),
                "serviceEndpoint",
                "znode \"member_0000000007\": serviceEndpoint must be an object with host and port");
        assertRefused(() -> ZnodeDecoder.serverSet("http").decode(MEMBER,
                bytes("{\"serviceEndpoint\":{\"host\":\"h\",\"port\":1},\"additionalEndpoints\":[]}")),
                "additionalEndpoints.http",
                "znode \"member_0000000007\": additionalEndpoints.http must be an object with host and port");
        assertRefused(() -> ZnodeDecoder.serverSet(null).decode(MEMBER, bytes("{\"serviceEndpoint\":\"h:1\"}")),
                "serviceEndpoint",
                "znode \"member_0000000007\": serviceEndpoint must be an object with host and port");
    }

    @Test
    void serverSet_nonAliveStatus_isEmpty() {
        for (String status : new String[] {"DEAD", "STARTING", "STOPPING", "STOPPED", "WARNING", "alive"}) {
            assertThat(ZnodeDecoder.serverSet(null).decode(MEMBER, bytes(SERVERSET.replace("ALIVE", status))))
                    .as(status).isEmpty();
        }
    }

    @Test
    void serverSet_noStatus_isTreatedAsAlive() {
        assertThat(ZnodeDecoder.serverSet(null).decode(MEMBER,
                bytes("{\"serviceEndpoint\":{\"host\":\"h\",\"port\":1}}"))).isPresent();
    }

    @Test
    void serverSet_badEndpointFields_isRefusedNamingTheField() {
        assertRefused(() -> ZnodeDecoder.serverSet(null).decode(MEMBER,
                bytes("{\"serviceEndpoint\":{\"host\":\"h\",\"port\":0}}")),
                "serviceEndpoint.port", "znode \"member_0000000007\": serviceEndpoint.port must be in [1, 65535] but was 0");
        assertRefused(() -> ZnodeDecoder.serverSet("http").decode(MEMBER,
                bytes("{\"additionalEndpoints\":{\"http\":{\"host\":\"h\",\"port\":70000}}}")),
                "additionalEndpoints.http.port",
                "znode \"member_0000000007\": additionalEndpoints.http.port must be in [1, 65535] but was 70000");
        assertRefused(() -> ZnodeDecoder.serverSet(null).decode(MEMBER,
                bytes("{\"serviceEndpoint\":{\"port\":1}}")),
                "host", "znode \"member_0000000007\": host is required");
        assertRefused(() -> ZnodeDecoder.serverSet(null).decode(MEMBER,
                bytes("{\"serviceEndpoint\":{\"host\":\"h\\r\",\"port\":1}}")),
                "host", "znode \"member_0000000007\": host must be a DNS name or an IP address but was \"h\\r\"");
        assertRefused(() -> ZnodeDecoder.serverSet(null).decode(MEMBER,
                bytes("{\"serviceEndpoint\":{\"host\":\"h\",\"port\":1},\"status\":1}")),
                "status", "znode \"member_0000000007\": status must be a string but was NUMBER");
    }

    @Test
    void serverSet_badZnodeName_isRefusedAsName() {
        assertRefused(() -> ZnodeDecoder.serverSet(null).decode("bad name", bytes(SERVERSET)),
                "name", "znode \"bad name\": name must be 1 to 200 characters of [A-Za-z0-9._:@-] but was \"bad name\"");
    }

    // ---- forMethod ----

    @Test
    void forMethod_knownMethods_decodeTheirFormat() {
        assertThat(ZnodeDecoder.forMethod("nerve", null).decode("n_0000000001", bytes("{\"host\":\"h\",\"port\":1}"))
                .orElseThrow().name()).isEqualTo("n");
        assertThat(ZnodeDecoder.forMethod(null, null).decode("n_0000000001", bytes("{\"host\":\"h\",\"port\":1}")))
                .isPresent();
        assertThat(ZnodeDecoder.forMethod("serverset", "http").decode(MEMBER, bytes(SERVERSET)).orElseThrow().port())
                .isEqualTo(31001);
        assertThat(ZnodeDecoder.forMethod("curator", null).decode(UUID, bytes(curatorJson(""))).orElseThrow().port())
                .isEqualTo(8080);
    }

    @Test
    void forMethod_unknownMethod_isRefused() {
        assertThatThrownBy(() -> ZnodeDecoder.forMethod("zookeeper", null))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("decode method must be one of [nerve, serverset, curator] but was \"zookeeper\"");
        assertThatThrownBy(() -> ZnodeDecoder.forMethod("Nerve", null))
                .hasMessage("decode method must be one of [nerve, serverset, curator] but was \"Nerve\"");
        assertThatThrownBy(() -> ZnodeDecoder.forMethod("nerve\n", null))
                .hasMessage("decode method must be one of [nerve, serverset, curator] but was \"nerve\\n\"");
    }
}
