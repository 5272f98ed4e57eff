package dev.smartstack.discovery.benchmarks;

import java.io.IOException;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.x.discovery.ServiceCache;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.apache.curator.x.discovery.ServiceDiscoveryBuilder;
import org.apache.curator.x.discovery.ServiceInstance;
import org.apache.curator.x.discovery.details.JsonInstanceSerializer;
import org.apache.curator.x.discovery.details.ServiceCacheListener;

/**
 * Curator x-discovery's {@link ServiceCache} as a user runs it: a {@code ServiceDiscovery} on the
 * base path, a cache for one service name, a listener whose {@code cacheChanged()} reads
 * {@code getInstances()}. The view is what {@code getInstances()} returns.
 */
final class ServiceCacheSide extends RaceSide {
    private final ServiceDiscovery<String> discovery;
    private final ServiceCache<String> cache;

    ServiceCacheSide(PrintStream out, CuratorFramework client, String servicePath) {
        super(out);
        int slash = servicePath.lastIndexOf('/');
        discovery = ServiceDiscoveryBuilder.builder(String.class).client(client)
                .basePath(servicePath.substring(0, slash))
                .serializer(new JsonInstanceSerializer<>(String.class)).watchInstances(false).build();
        cache = discovery.serviceCacheBuilder().name(servicePath.substring(slash + 1)).build();
        cache.addListener(new ServiceCacheListener() {
            @Override
            public void cacheChanged() {
                changed();
            }

            @Override
            public void stateChanged(CuratorFramework c, ConnectionState state) {
                // the view is what getInstances() returns, whatever the connection
            }
        });
    }

    @Override
    void start() throws Exception {
        discovery.start();
        cache.start();
    }

    @Override
    Expectation.View view() {
        List<ServiceInstance<String>> instances = cache.getInstances();
        return new Expectation.View() {
            @Override
            public boolean hasZnode(String znode) {
                return portOf(znode) >= 0;
            }

            @Override
            public int portOf(String znode) {
                for (ServiceInstance<String> i : instances) {
                    if (i.getId().equals(znode)) {
                        return i.getPort();
                    }
                }
                return -1;
            }

            @Override
            public boolean hasName(String name, int port) {
                return portOf(name) == port;
            }

            @Override
            public int size() {
                return instances.size();
            }

            @Override
            public long hash() {
                long sum = 0;
                for (ServiceInstance<String> i : instances) {
                    sum += Expectation.hash(i.getId(), i.getPort());
                }
                return sum;
            }

            @Override
            public boolean live() {
                return true;
            }
        };
    }

    @Override
    Map<String, Integer> ports() {
        Map<String, Integer> ports = new HashMap<>();
        for (ServiceInstance<String> i : cache.getInstances()) {
            ports.put(i.getId(), i.getPort());
        }
        return ports;
    }

    @Override
    void stop() throws IOException {
        cache.close();
        discovery.close();
    }
}
