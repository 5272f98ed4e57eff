package dev.smartstack.discovery.synapse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.core.ZooKeeperSettings;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The multi method's resolvers as Ruby's union and sequential resolvers define them, without I/O. */
class MultiResolverTest {
    private static final ServiceInstance A1 = ServiceInstance.of("a1", "127.0.0.1", 1).withZnodeName("n_0000000001");
    private static final ServiceInstance B1 = ServiceInstance.of("b1", "127.0.0.2", 2).withZnodeName("n_0000000001");
    private static final ServiceInstance A1_AGAIN = ServiceInstance.of("a1", "127.0.0.1", 1).withZnodeName("m_0000000007");

    private static MultiResolver.Child child(String name, boolean live, ServiceInstance... backends) {
        return new MultiResolver.Child(name, List.of(backends), live);
    }

    @Test
    void union_everyWatchersBackends_sameZnodeNamesKept_equalBackendsOnce() {
        MultiResolver.Resolution r = MultiResolver.union(List.of(child("a", true, A1), child("b", false, B1, A1_AGAIN)));
        assertThat(r.backends()).extracting(ServiceInstance::key).containsExactly("a1@127.0.0.1:1", "b1@127.0.0.2:2");
        assertThat(r.live()).isTrue();
        assertThat(r.chosen()).isNull();
        assertThat(MultiResolver.union(List.of(child("a", false, A1), child("b", false))).live()).isFalse();
    }

    @Test
    void sequential_firstLiveWatcherWithBackends() {
        assertThat(MultiResolver.sequential(List.of(child("a", true, A1), child("b", true, B1))).chosen()).isEqualTo("a");
        // a is down (its backends are stale): b
        MultiResolver.Resolution r = MultiResolver.sequential(List.of(child("a", false, A1), child("b", true, B1)));
        assertThat(r.chosen()).isEqualTo("b");
        assertThat(r.backends()).extracting(ServiceInstance::name).containsExactly("b1");
        assertThat(r.live()).isTrue();
        // a is live but empty: b
        assertThat(MultiResolver.sequential(List.of(child("a", true), child("b", true, B1))).chosen()).isEqualTo("b");
    }

    @Test
    void sequential_noneUsable_fallsBackToTheFirst() {
        MultiResolver.Resolution r = MultiResolver.sequential(List.of(child("a", false, A1), child("b", true)));
        assertThat(r.chosen()).isEqualTo("a");
        assertThat(r.backends()).extracting(ServiceInstance::name).containsExactly("a1");
        assertThat(r.live()).isFalse();
    }

    @Test
    void settings_badValues_exactMessages() {
        WatchedService dns = WatchedService.builder().name("web")
                .dns(DnsDiscovery.builder().server(ServiceInstance.of("w", "web.test", 80)).build()).build();
        WatchedService zk = WatchedService.builder().name("web").path("/web").build();
        assertThatThrownBy(() -> MultiDiscovery.builder().union().build())
                .hasMessage("multi discovery needs at least one watcher");
        assertThatThrownBy(() -> MultiDiscovery.builder().watcher("d", dns).build())
                .hasMessage("multi discovery needs a resolver: union() or sequential(order)");
        assertThatThrownBy(() -> MultiDiscovery.builder().watcher("z", zk))
                .hasMessage("watcher 'z' of method ZOOKEEPER needs ZooKeeper settings");
        assertThatThrownBy(() -> MultiDiscovery.builder().watcher("d", dns, ZooKeeperSettings.of("127.0.0.1:2181")))
                .hasMessage("watcher 'd' of method DNS takes no ZooKeeper settings");
        assertThatThrownBy(() -> MultiDiscovery.builder().watcher("d", dns).watcher("e", dns)
                .sequential(List.of("d")).build())
                .hasMessage("sequential_order must name every watcher but lacks [e]");
        assertThatThrownBy(() -> MultiDiscovery.builder().watcher("d", dns).sequential(List.of("d", "x")).build())
                .hasMessage("sequential_order names watcher \"x\", which is not among the watchers [d]");
        MultiDiscovery m = MultiDiscovery.builder().watcher("d", dns).union().build();
        assertThatThrownBy(() -> MultiDiscovery.builder().watcher("m", WatchedService.builder().name("web").multi(m).build()))
                .hasMessage("watcher 'm' is itself a multi watcher, which is not supported");
        assertThatThrownBy(() -> WatchedService.builder().name("web").path("/web").dns(
                DnsDiscovery.builder().server(ServiceInstance.of("w", "web.test", 80)).build()).build())
                .hasMessage("service 'web' takes one discovery method but was given path, dns");
        assertThat(WatchedService.builder().name("web").multi(m).build().method()).isEqualTo(WatchedService.Method.MULTI);
        assertThat(WatchedService.builder().name("web").base().build().method()).isEqualTo(WatchedService.Method.BASE);
    }
}
