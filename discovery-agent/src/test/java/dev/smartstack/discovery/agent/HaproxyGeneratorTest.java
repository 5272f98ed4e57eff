package dev.smartstack.discovery.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smartstack.discovery.agent.config.SynapseConfig;
import dev.smartstack.discovery.core.DiscoveryMetrics;
import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.haproxy.HaproxyListener;
import dev.smartstack.discovery.haproxy.HaproxyOutput;
import dev.smartstack.discovery.synapse.ServiceSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the agent's HAProxy generator writes for Ruby Synapse's haproxy keys. */
class HaproxyGeneratorTest {
    @TempDir
    Path dir;

    private static ServiceSnapshot snap(String service, int port) {
        return ServiceSnapshot.next(ServiceSnapshot.initial(service), List.of(ServiceInstance.builder().name(service)
                .host("127.0.0.1").port(port).znodeName(service + "_0000000001").build()),
                ServiceSnapshot.Source.ZOOKEEPER, true, Instant.EPOCH);
    }

    @Test
    void output_serviceWithoutHaproxySectionAndPortNull_writtenAsRubyWritesThem() throws IOException {
        Path file = dir.resolve("synapse.conf.json");
        String zk = "\"discovery\": {\"method\": \"zookeeper\", \"path\": \"/nerve/x\", \"hosts\": [\"127.0.0.1:2181\"]}";
        Files.writeString(file, "{\"haproxy\": {\"do_writes\": false, \"do_reloads\": false, \"do_socket\": false, "
                + "\"global\": [], \"defaults\": [], \"shared_frontend\": [\"bind 127.0.0.1:8081\"]}, \"services\": {"
                + "\"sock\": {" + zk + ", \"haproxy\": {\"port\": null, \"bind_address\": \"/run/sock.sock\", "
                + "\"shared_frontend\": [\"use_backend sock if { hdr(host) -i sock.lb }\"]}}, "
                + "\"bare\": {" + zk + "}}}");
        SynapseConfig config = SynapseConfig.load(file, "synapse.conf.json", Map.of());
        try (HaproxyOutput o = HaproxyGenerator.output(config, "synapse.conf.json", DiscoveryMetrics.NOOP,
                new HaproxyListener() { }).start()) {
            o.update(snap("sock", 81));
            o.update(snap("bare", 82));
            assertThat(o.renderConfig()).endsWith("""

                    backend bare
                      server bare_127.0.0.1:82 127.0.0.1:82 id 1

                    frontend sock
                      bind /run/sock.sock
                      default_backend sock

                    backend sock
                      server sock_127.0.0.1:81 127.0.0.1:81 id 1

                    frontend shared-frontend
                      bind 127.0.0.1:8081
                      use_backend sock if { hdr(host) -i sock.lb }
                    """);
        }
    }
}
