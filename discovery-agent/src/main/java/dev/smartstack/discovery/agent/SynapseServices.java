package dev.smartstack.discovery.agent;

import dev.smartstack.discovery.agent.config.SynapseConfig;
import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.core.ZnodeDecoder;
import dev.smartstack.discovery.core.ZooKeeperSettings;
import dev.smartstack.discovery.synapse.DnsDiscovery;
import dev.smartstack.discovery.synapse.LabelFilter;
import dev.smartstack.discovery.synapse.MultiDiscovery;
import dev.smartstack.discovery.synapse.WatchedService;
import java.time.Duration;

/**
 * Maps a {@code synapse.conf.json} service entry onto the watcher's builders, one discovery method
 * each: {@code zookeeper} and {@code zookeeper_poll} (a path), {@code dns} ({@link DnsDiscovery}),
 * {@code multi} ({@link MultiDiscovery}, each ZooKeeper watcher with its own client) and
 * {@code base}. The values are checked by the builders, once; their messages become config errors.
 */
final class SynapseServices {
    private SynapseServices() {
    }

    /**
     * The watched service for {@code s}.
     *
     * @param zkSessionTimeout the session timeout of the clients that multi's ZooKeeper watchers get
     * @throws IllegalArgumentException from a builder, naming the bad value
     */
    static WatchedService watched(SynapseConfig.Service s, Duration zkSessionTimeout) {
        WatchedService.Builder b = discovery(s, zkSessionTimeout)
                .defaultServers(s.defaultServers().stream().map(SynapseServices::server).toList())
                .keepDefaultServers(s.keepDefaultServers())
                .usePreviousBackends(s.usePreviousBackends())
                .leaderElection(s.leaderElection());
        s.backendPortOverride().ifPresent(b::backendPortOverride);
        return b.build();
    }

    /**
     * The method and its own keys (and the label filters, which Ruby keeps in {@code discovery}):
     * with {@code use_previous_backends}, all a multi watcher has, since the service's default
     * servers, port override and leader election apply once, to the combined backends.
     */
    private static WatchedService.Builder discovery(SynapseConfig.Service s, Duration zkSessionTimeout) {
        WatchedService.Builder b = WatchedService.builder().name(s.name())
                .labelFilters(s.labelFilters().stream().map(f -> new LabelFilter(f.label(), f.value(),
                        LabelFilter.Condition.of(f.condition()))).toList());
        SynapseConfig.DiscoveryExtras d = s.discovery();
        switch (s.method()) {
            case "zookeeper", "zookeeper_poll" -> {
                b.path(s.path().orElseThrow())
                        .decoder(ZnodeDecoder.forMethod(s.decodeMethod(), s.endpointName().orElse(null)));
                if (s.method().equals("zookeeper_poll")) {
                    b.pollingInterval(SynapseAgent.pollingInterval(d.pollingInterval()));
                }
            }
            case "dns" -> {
                DnsDiscovery.Builder dns = DnsDiscovery.builder().checkInterval(d.checkInterval());
                d.servers().forEach(server -> dns.server(server(server)));
                d.nameserver().ifPresent(dns::nameserver);
                b.dns(dns.build());
            }
            case "multi" -> {
                MultiDiscovery.Builder multi = MultiDiscovery.builder();
                d.watchers().forEach((name, w) -> {
                    // As in Ruby, a watcher keeps its previous backends as the service does.
                    WatchedService child = discovery(w, zkSessionTimeout).usePreviousBackends(w.usePreviousBackends()).build();
                    if (w.usesZooKeeper()) {
                        multi.watcher(name, child, zooKeeper(w, zkSessionTimeout));
                    } else {
                        multi.watcher(name, child);
                    }
                });
                if (d.resolverMethod().orElseThrow().equals("union")) {
                    multi.union();
                } else {
                    multi.sequential(d.sequentialOrder());
                }
                b.multi(multi.build());
            }
            case "base" -> b.base();
            default -> throw new IllegalArgumentException("discovery method " + s.method() + " is not supported");
        }
        return b;
    }

    /** The client settings of a multi service's ZooKeeper watcher. */
    private static ZooKeeperSettings zooKeeper(SynapseConfig.Service w, Duration zkSessionTimeout) {
        ZooKeeperSettings.Builder zk = ZooKeeperSettings.builder().connectString(w.connectString())
                .sessionTimeout(zkSessionTimeout);
        w.discovery().retryPolicy().ifPresent(p -> zk.retryPolicy(new RubyRetryPolicy(p)));
        return zk.build();
    }

    /** A {@code default_servers} or dns {@code servers} entry. */
    static ServiceInstance server(SynapseConfig.Server d) {
        return ServiceInstance.builder().name(d.name()).host(d.host()).port(d.port()).labels(d.labels()).build();
    }
}
