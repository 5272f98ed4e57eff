package dev.smartstack.discovery.synapse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smartstack.discovery.core.ServiceInstance;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The dns method's pure parts: answers to backends, last good answers, and its settings. */
class DnsAnswersTest {
    private static final ServiceInstance WEB = ServiceInstance.builder().name("web").host("web.test").port(8080)
            .labels(Map.of("az", "a")).build();
    private static final ServiceInstance API = ServiceInstance.of("api", "api.test", 9090);

    @Test
    void apply_eachAddressIsABackend_withTheServersNamePortAndLabels_sorted() {
        DnsAnswers answers = new DnsAnswers(List.of(WEB, API));
        DnsAnswers.Outcome o = answers.apply(List.of(DnsAnswers.Answer.of(List.of("127.0.0.9", "127.0.0.2", "127.0.0.9")),
                DnsAnswers.Answer.of(List.of("::1"))));
        assertThat(o.backends()).extracting(ServiceInstance::key)
                .containsExactly("web@127.0.0.2:8080", "web@127.0.0.9:8080", "api@[::1]:9090");
        assertThat(o.backends().get(0).labels()).isEqualTo(Map.of("az", "a"));
        assertThat(o.live()).isTrue();
        assertThat(o.nowFailing()).isEmpty();
    }

    @Test
    void apply_failingName_keepsItsLastGoodAnswer_reportedOncePerChange() {
        DnsAnswers answers = new DnsAnswers(List.of(WEB, API));
        answers.apply(List.of(DnsAnswers.Answer.of(List.of("127.0.0.2")), DnsAnswers.Answer.of(List.of("127.0.0.3"))));

        DnsAnswers.Outcome failed = answers.apply(List.of(DnsAnswers.Answer.failed("A lookup: timed out"),
                DnsAnswers.Answer.of(List.of("127.0.0.4"))));
        assertThat(failed.backends()).extracting(ServiceInstance::host).containsExactly("127.0.0.2", "127.0.0.4");
        assertThat(failed.live()).isFalse();
        assertThat(failed.nowFailing()).isEqualTo(Map.of("web.test", "A lookup: timed out"));

        DnsAnswers.Outcome again = answers.apply(List.of(DnsAnswers.Answer.failed("A lookup: timed out"),
                DnsAnswers.Answer.of(List.of("127.0.0.4"))));
        assertThat(again.nowFailing()).isEmpty();
        assertThat(again.backends()).isEqualTo(failed.backends());

        DnsAnswers.Outcome back = answers.apply(List.of(DnsAnswers.Answer.of(List.of()),
                DnsAnswers.Answer.of(List.of("127.0.0.4"))));
        assertThat(back.recovered()).containsExactly("web.test");
        assertThat(back.live()).isTrue();
        assertThat(back.backends()).extracting(ServiceInstance::host).containsExactly("127.0.0.4");
    }

    @Test
    void apply_nameThatNeverResolved_hasNoBackends() {
        DnsAnswers answers = new DnsAnswers(List.of(WEB));
        DnsAnswers.Outcome o = answers.apply(List.of(DnsAnswers.Answer.failed("A lookup: SERVFAIL")));
        assertThat(o.backends()).isEmpty();
        assertThat(o.live()).isFalse();
    }

    @Test
    void ipv6Text_compressesTheLongestZeroRun() {
        assertThat(DnsAnswers.ipv6Text("0:0:0:0:0:0:0:1")).isEqualTo("::1");
        assertThat(DnsAnswers.ipv6Text("fe80:0:0:0:1:0:0:2")).isEqualTo("fe80::1:0:0:2");
        assertThat(DnsAnswers.ipv6Text("2001:db8:0:1:0:0:0:0")).isEqualTo("2001:db8:0:1::");
        assertThat(DnsAnswers.ipv6Text("2001:db8:0:1:2:3:4:5")).isEqualTo("2001:db8:0:1:2:3:4:5");
        assertThat(DnsAnswers.ipv6Text("0:0:0:0:0:0:0:0")).isEqualTo("::");
    }

    @Test
    void settings_badValues_exactMessages() {
        assertThatThrownBy(() -> DnsDiscovery.builder().build())
                .hasMessage("dns discovery needs at least one server");
        assertThatThrownBy(() -> DnsDiscovery.builder().checkInterval(Duration.ofMillis(5)))
                .hasMessage("checkInterval must be at least 100 ms but was 5 ms");
        assertThatThrownBy(() -> DnsDiscovery.builder().nameserver("ns1.example.com"))
                .hasMessage("nameserver must be an IP address with an optional port, such as 10.0.0.2, 10.0.0.2:5353"
                        + " or [::1]:5353, but was \"ns1.example.com\"");
        assertThatThrownBy(() -> DnsDiscovery.builder().server(WEB).server(WEB).build())
                .hasMessage("dns server \"web\" is configured twice for \"web.test:8080\"");
        assertThat(DnsDiscovery.builder().server(WEB).nameserver("127.0.0.1:5353").build().nameserver().orElseThrow().getPort())
                .isEqualTo(5353);
        assertThat(DnsDiscovery.builder().server(WEB).nameserver("[::1]:53").build().nameserver().orElseThrow()
                .getAddress().isLoopbackAddress()).isTrue();
        assertThat(DnsDiscovery.builder().server(WEB).nameserver("10.0.0.2").build().nameserver().orElseThrow().getPort())
                .isEqualTo(53);
        assertThat(DnsDiscovery.isIpLiteral("1.2.3.4.5")).isFalse();
        assertThat(DnsDiscovery.isIpLiteral("fe80::1")).isTrue();
    }
}
