package dev.smartstack.discovery.synapse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smartstack.discovery.core.ServiceInstance;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MembershipLineTest {
    private static ServiceInstance backend(String host, int port) {
        return ServiceInstance.builder().name("n" + port).host(host).port(port).znodeName("n_" + port).build();
    }

    @Test
    void fewChanges_namedWithHostAndPort() {
        ServiceSnapshot first = ServiceSnapshot.next(ServiceSnapshot.initial("web"),
                List.of(backend("127.0.0.1", 8001), backend("::1", 8002)), ServiceSnapshot.Source.ZOOKEEPER, true, Instant.EPOCH);
        assertThat(MembershipLine.of(first)).isEqualTo("+2 (127.0.0.1:8001, [::1]:8002) -0 ~0");
        ServiceSnapshot second = ServiceSnapshot.next(first, List.of(backend("::1", 8002)), ServiceSnapshot.Source.ZOOKEEPER,
                false, Instant.EPOCH);
        assertThat(MembershipLine.of(second)).isEqualTo("+0 -1 (127.0.0.1:8001) ~0 (stale)");
    }

    @Test
    void manyChanges_atMostThreeNamed() {
        List<ServiceInstance> many = new ArrayList<>();
        for (int p = 9001; p <= 9010; p++) {
            many.add(backend("127.0.0.1", p));
        }
        ServiceSnapshot s = ServiceSnapshot.next(ServiceSnapshot.initial("web"), many, ServiceSnapshot.Source.ZOOKEEPER, true,
                Instant.EPOCH);
        assertThat(MembershipLine.of(s)).startsWith("+10 (127.0.0.1:900").endsWith(", ... 7 more) -0 ~0");
    }
}
