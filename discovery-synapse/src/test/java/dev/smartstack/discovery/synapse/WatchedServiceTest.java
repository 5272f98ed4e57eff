package dev.smartstack.discovery.synapse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smartstack.discovery.core.InvalidInstanceException;
import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.core.ZooKeeperSettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WatchedServiceTest {

    @Test
    void build_defaults_areSynapsesDefaults() {
        WatchedService s = WatchedService.builder().name("web").path("/nerve/web").build();
        assertThat(s.usePreviousBackends()).isTrue();
        assertThat(s.keepDefaultServers()).isFalse();
        assertThat(s.leaderElection()).isFalse();
        assertThat(s.backendPortOverride()).isEmpty();
        assertThat(s.labelFilters()).isEmpty();
        assertThat(s.defaultServers()).isEmpty();
    }

    @Test
    void build_missingOrBadName_exactMessage() {
        assertThatThrownBy(() -> WatchedService.builder().path("/a").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("service name == null");
        assertThatThrownBy(() -> WatchedService.builder().name("we b").path("/a").build())
                .hasMessage("service name must be 1 to 200 characters of [A-Za-z0-9._:@-] but was \"we b\"");
    }

    @Test
    void build_dotSegmentPath_refusedAsTheAgentAndZooKeeperDo() {
        assertThatThrownBy(() -> WatchedService.builder().name("web").path("/a/./b").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("service 'web' path must be an absolute ZooKeeper path such as "
                        + "/nerve/services/web but was \"/a/./b\"");
    }

    @Test
    void build_missingOrBadPath_exactMessage() {
        assertThatThrownBy(() -> WatchedService.builder().name("web").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("service 'web' path == null");
        for (String bad : new String[] {"relative", "/trailing/", "/a//b", "/a\nb", "/a/./b", "/a/../b"}) {
            assertThatThrownBy(() -> WatchedService.builder().name("web").path(bad).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("service 'web' path must be an absolute ZooKeeper path such as "
                            + "/nerve/services/web but was \"");
        }
    }

    @Test
    void backendPortOverride_outOfRange_exactMessage() {
        assertThatThrownBy(() -> WatchedService.builder().backendPortOverride(70000))
                .isInstanceOf(InvalidInstanceException.class)
                .hasMessage("backendPortOverride must be in [1, 65535] but was 70000");
    }

    @Test
    void labelFilter_conditions_matchSynapse() {
        ServiceInstance a = ServiceInstance.builder().name("a").host("127.0.0.1").port(1)
                .labels(Map.of("zone", "a")).build();
        ServiceInstance none = ServiceInstance.of("n", "127.0.0.1", 2);
        assertThat(LabelFilter.equalTo("zone", "a").test(a)).isTrue();
        assertThat(LabelFilter.equalTo("zone", "a").test(none)).isFalse();
        assertThat(LabelFilter.notEqualTo("zone", "a").test(a)).isFalse();
        assertThat(LabelFilter.notEqualTo("zone", "a").test(none)).isTrue();
        assertThat(LabelFilter.Condition.of("not-equals")).isEqualTo(LabelFilter.Condition.NOT_EQUALS);
        assertThatThrownBy(() -> LabelFilter.Condition.of("like"))
                .hasMessage("label filter condition must be one of [equals, not-equals] but was \"like\"");
    }

    @Test
    void watcherBuild_missingSettings_exactMessages() {
        WatchedService web = WatchedService.builder().name("web").path("/a").build();
        assertThatThrownBy(() -> SynapseWatcher.builder().service(web).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("SynapseWatcher needs a ZooKeeper connection: set curator(client) or zooKeeper(settings)");
        assertThatThrownBy(() -> SynapseWatcher.builder().zooKeeper(ZooKeeperSettings.of("127.0.0.1:2181")).build())
                .hasMessage("SynapseWatcher needs at least one service");
        assertThatThrownBy(() -> SynapseWatcher.builder().zooKeeper(ZooKeeperSettings.of("127.0.0.1:2181"))
                .service(web).service(web).build())
                .hasMessage("service 'web' is configured twice");
        assertThatThrownBy(() -> SynapseWatcher.builder().stateFileTtl(Duration.ZERO))
                .hasMessage("stateFileTtl must be positive but was PT0S");
    }

    @Test
    void watcherBuild_noZooKeeperService_needsNoConnection() {
        WatchedService dns = WatchedService.builder().name("web")
                .dns(DnsDiscovery.builder().server(ServiceInstance.of("w", "127.0.0.1", 80)).build()).build();
        WatchedService base = WatchedService.builder().name("db").base()
                .defaultServers(List.of(ServiceInstance.of("d", "127.0.0.1", 5432))).build();
        SynapseWatcher w = SynapseWatcher.builder().service(dns).service(base).build();
        assertThat(w.start()).isSameAs(w);
        assertThat(w.awaitInitialized(Duration.ofSeconds(30))).isTrue();
        assertThat(w.snapshot("db").backends()).extracting(ServiceInstance::port).containsExactly(5432);
        w.close();
        assertThatThrownBy(() -> WatchedService.builder().name("web").base().pollingInterval(Duration.ofSeconds(1)).build())
                .hasMessage("service 'web' pollingInterval applies only to a ZooKeeper path, but the method is base");
    }

    @Test
    void ownedClient_closedWithWatcher_evenWhenZooKeeperIsUnreachable() {
        SynapseWatcher w = SynapseWatcher.builder()
                .zooKeeper(ZooKeeperSettings.builder().connectString("127.0.0.1:1")
                        .sessionTimeout(Duration.ofSeconds(2)).build())
                .service(WatchedService.builder().name("web").path("/a").build())
                .build();
        assertThat(w.start()).isSameAs(w);
        assertThat(w.state()).isEqualTo(SynapseWatcher.State.STARTING);
        assertThat(w.awaitInitialized(Duration.ofMillis(50))).isFalse();
        w.close();
        assertThat(w.state()).isEqualTo(SynapseWatcher.State.CLOSED);
    }
}
