package dev.smartstack.discovery.synapse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.testing.Dnsmasq;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The {@code dns} method against a real DNS server (dnsmasq on 127.0.0.1, answering from a hosts
 * file the test rewrites), with no ZooKeeper anywhere: the watcher is built without a connection.
 */
class DnsDiscoveryIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void dnsService_followsTheHostsFile_keepsTheLastAnswerWhenTheServerIsGone() {
        Dnsmasq dns = Dnsmasq.start("test");
        RecordingOutput out = new RecordingOutput();
        SynapseWatcher watcher = null;
        try {
            dns.hosts(Map.of("web.test", List.of("127.0.0.5", "127.0.0.6", "::1")));
            WatchedService web = WatchedService.builder().name("web")
                    .dns(DnsDiscovery.builder()
                            .server(ServiceInstance.builder().name("web").host("web.test").port(8080)
                                    .labels(Map.of("az", "a")).build())
                            .server(ServiceInstance.of("fixed", "127.0.0.9", 81))
                            .checkInterval(Duration.ofMillis(200))
                            .nameserver(dns.address())
                            .build())
                    .build();
            WatchedService statics = WatchedService.builder().name("static").base()
                    .defaultServers(List.of(ServiceInstance.of("s1", "127.0.0.10", 82))).build();
            watcher = SynapseWatcher.builder().service(web).service(statics).output(out).build().start();

            await().atMost(WAIT).until(() -> out.lastHosts("web"),
                    h -> h.equals(Set.of("127.0.0.5:8080", "127.0.0.6:8080", "[::1]:8080", "127.0.0.9:81")));
            ServiceSnapshot first = out.last("web");
            assertThat(first.source()).isEqualTo(ServiceSnapshot.Source.DNS);
            assertThat(first.live()).isTrue();
            assertThat(first.backends()).filteredOn(b -> b.name().equals("web"))
                    .allSatisfy(b -> assertThat(b.labels()).isEqualTo(Map.of("az", "a")));
            assertThat(out.lastHosts("static")).containsExactly("127.0.0.10:82");
            assertThat(out.last("static").source()).isEqualTo(ServiceSnapshot.Source.DEFAULT_SERVERS);
            SynapseWatcher w = watcher;
            await().atMost(WAIT).until(() -> w.state() == SynapseWatcher.State.LIVE);

            dns.hosts(Map.of("other.test", List.of("127.0.0.1"))); // web.test: NXDOMAIN
            await().atMost(WAIT).until(() -> out.lastHosts("web"), h -> h.equals(Set.of("127.0.0.9:81")));

            dns.hosts(Map.of("web.test", List.of("127.0.0.7")));
            await().atMost(WAIT).until(() -> out.lastHosts("web"), h -> h.equals(Set.of("127.0.0.7:8080", "127.0.0.9:81")));
            assertThat(out.last("web").added()).extracting(ServiceInstance::address).containsExactly("127.0.0.7:8080");

            dns.close(); // queries now fail: the last answer stays, and the view is stale
            await().atMost(WAIT).until(() -> !out.last("web").live());
            assertThat(out.lastHosts("web")).isEqualTo(Set.of("127.0.0.7:8080", "127.0.0.9:81"));
            assertThat(watcher.state()).isEqualTo(SynapseWatcher.State.STALE);
        } finally {
            if (watcher != null) {
                watcher.close();
            }
            dns.close();
        }
    }
}
