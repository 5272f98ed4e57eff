package dev.smartstack.discovery.haproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.synapse.ServiceSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Ruby Synapse keys rendered here: {@code shared_frontend}, an explicit {@code port: null},
 * {@code server_order_seed}, per-service {@code use_nerve_weights}, and {@code check_command} with
 * {@code candidate_config_file_path}.
 */
class RubyHaproxyKeysTest {
    private final List<HaproxyOutput> outputs = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void closeAll() {
        outputs.forEach(HaproxyOutput::close);
    }

    private HaproxyOutput output(HaproxyOutputBuilder b) {
        HaproxyOutput o = b.doWrites(false).reload(HaproxyReload.none()).doSocket(false).build();
        outputs.add(o);
        o.start();
        return o;
    }

    private static ServiceSnapshot snap(String service, ServiceInstance... backends) {
        return ServiceSnapshot.next(ServiceSnapshot.initial(service), List.of(backends),
                ServiceSnapshot.Source.ZOOKEEPER, true, Instant.EPOCH);
    }

    private static ServiceInstance inst(String name, int port) {
        return ServiceInstance.builder().name(name).host("127.0.0.1").port(port).znodeName(name + "_0000000001").build();
    }

    @Test
    void render_sharedFrontend_globalLinesThenEachEnabledServicesLinesInConfiguredOrder() {
        HaproxyOutput o = output(HaproxyOutput.builder()
                .sharedFrontend(List.of("bind 127.0.0.1:8081", "mode http"))
                .service("web", HaproxyService.builder().backendOrder(HaproxyService.BackendOrder.ASC)
                        .backend(List.of("mode http"))
                        .sharedFrontend(List.of("acl is_web hdr_dom(host) -i web.lb", "use_backend web if is_web")).build())
                .service("api", HaproxyService.builder().backendName("api_be").backend(List.of("mode http"))
                        .sharedFrontend(List.of("acl is_api hdr_dom(host) -i api.lb", "use_backend api_be if is_api")).build())
                .service("off", HaproxyService.builder().disabled(true)
                        .sharedFrontend(List.of("use_backend off")).build())
                .service("bare", HaproxyService.builder().build()));
        o.update(snap("web", inst("w", 81)));
        o.update(snap("api", inst("a", 82)));
        o.update(snap("bare", inst("b", 83)));
        String text = o.render();
        assertThat(text).endsWith("""

                frontend shared-frontend
                  bind 127.0.0.1:8081
                  mode http
                  acl is_web hdr_dom(host) -i web.lb
                  use_backend web if is_web
                  acl is_api hdr_dom(host) -i api.lb
                  use_backend api_be if is_api
                """);
        // A service with no frontend of its own (Ruby: no port) is a backend only; a disabled one is left out.
        assertThat(text).contains("\nbackend bare\n  server b_127.0.0.1:83 127.0.0.1:83 id 1\n")
                .doesNotContain("frontend bare").doesNotContain("frontend web").doesNotContain("off");
    }

    @Test
    void render_serviceSharedFrontendWithoutGlobalOne_leftOutAsInRuby() {
        HaproxyOutput o = output(HaproxyOutput.builder()
                .service("web", HaproxyService.builder().sharedFrontend(List.of("use_backend web")).build()));
        o.update(snap("web", inst("w", 81)));
        assertThat(o.render()).doesNotContain("shared-frontend").doesNotContain("use_backend");
    }

    @Test
    void render_bindWithoutPort_bindsTheAddressAlone() {
        HaproxyOutput o = output(HaproxyOutput.builder()
                .service("sock", HaproxyService.builder().bindWithoutPort(true).bindAddress("/run/sock.sock")
                        .bindOptions("mode 600").build()));
        o.update(snap("sock", inst("s", 81)));
        assertThat(o.render()).contains("\nfrontend sock\n  bind /run/sock.sock mode 600\n  default_backend sock\n");
    }

    @Test
    void build_bindWithoutPortAndPortOrSocketPathWithPort_refused() {
        assertThatThrownBy(() -> HaproxyService.builder().port(80).bindWithoutPort(true).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("port must be null when the frontend binds without a port but was 80");
        assertThatThrownBy(() -> HaproxyService.builder().port(80).bindAddress("/run/x.sock").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("bind_address \"/run/x.sock\" is a socket path, which needs port: null");
        assertThatThrownBy(() -> HaproxyService.builder().bindAddress("a b"))
                .hasMessage("bind_address must be one token of [A-Za-z0-9._:/@[]*-] but was \"a b\"");
    }

    private static List<String> order(String text, String backend) {
        String section = text.substring(text.indexOf("\nbackend " + backend + "\n"));
        section = section.substring(1, section.indexOf("\n\n", 1) < 0 ? section.length() : section.indexOf("\n\n", 1));
        List<String> names = new ArrayList<>();
        Matcher m = Pattern.compile("server (s\\d)_").matcher(section);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    private String renderTwoServices(Long seed) {
        HaproxyOutputBuilder b = HaproxyOutput.builder().serverOrderSeed(seed)
                .service("one", HaproxyService.builder().build()).service("two", HaproxyService.builder().build());
        HaproxyOutput o = output(b);
        for (String svc : List.of("one", "two")) {
            List<ServiceInstance> servers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                servers.add(inst("s" + i, 100 + i));
            }
            o.update(snap(svc, servers.toArray(ServiceInstance[]::new)));
        }
        return o.render();
    }

    @Test
    void render_serverOrderSeed_sameShuffleForEveryBackendAndEveryOutput() {
        String seeded = renderTwoServices(1234L);
        assertThat(order(seeded, "one")).hasSize(8).isEqualTo(order(seeded, "two"));
        assertThat(order(renderTwoServices(1234L), "one")).isEqualTo(order(seeded, "one")); // another output, same seed
        assertThat(order(renderTwoServices(99L), "one")).isNotEqualTo(order(seeded, "one"))
                .containsExactlyInAnyOrderElementsOf(order(seeded, "one"));
        String unseeded = renderTwoServices(null); // seeded by the service name: the two backends differ
        assertThat(order(unseeded, "one")).isNotEqualTo(order(unseeded, "two"));
    }

    @Test
    void render_perServiceUseNerveWeights_overridesTheGlobalOne() {
        HaproxyOutput o = output(HaproxyOutput.builder().useNerveWeights(false)
                .service("on", HaproxyService.builder().useNerveWeights(true).build())
                .service("inherit", HaproxyService.builder().build()));
        ServiceInstance weighted = ServiceInstance.builder().name("n").host("127.0.0.1").port(81).weight(7)
                .znodeName("n_0000000001").build();
        o.update(snap("on", weighted));
        o.update(snap("inherit", weighted));
        String text = o.render();
        assertThat(text).contains("\nbackend on\n  server n_127.0.0.1:81 127.0.0.1:81 id 1 weight 7\n")
                .contains("\nbackend inherit\n  server n_127.0.0.1:81 127.0.0.1:81 id 1\n");
    }

    private static ConfigModel model(String backendLine) {
        HaproxyService config = HaproxyService.builder().backend(List.of(backendLine)).build();
        return new ConfigModel(0, List.of(), List.of(), Map.of(),
                List.of(new ConfigRenderer.Section("svc", config, "svc", List.of())), "127.0.0.1", null);
    }

    @Test
    void install_checkCommandRefuses_oldConfigStaysAndCandidateIsLeftAtItsPath() throws IOException {
        Path target = dir.resolve("haproxy.cfg");
        Path candidate = dir.resolve("candidates").resolve("haproxy-candidate.cfg");
        ConfigInstaller ok = new ConfigInstaller(target, "/nonexistent/haproxy", Duration.ofSeconds(10),
                List.of("/bin/true", candidate.toString()), candidate);
        assertThat(ok.install(model("mode http")).outcome()).isEqualTo(ConfigInstaller.Outcome.INSTALLED_CHECKED);
        assertThat(Files.readString(target)).contains("mode http");
        assertThat(candidate).doesNotExist();

        ConfigInstaller refusing = new ConfigInstaller(target, "/nonexistent/haproxy", Duration.ofSeconds(10),
                List.of("/bin/false"), candidate);
        ConfigInstaller.Result r = refusing.install(model("mode tcp"));
        assertThat(r.outcome()).isEqualTo(ConfigInstaller.Outcome.INVALID);
        assertThat(r.error()).startsWith("check_command exited with 1");
        assertThat(Files.readString(target)).contains("mode http").doesNotContain("mode tcp");
        assertThat(Files.readString(candidate)).contains("mode tcp");
    }

    @Test
    void build_checkCommandWithoutCandidatePath_refused() {
        assertThatThrownBy(() -> HaproxyOutput.builder().doWrites(false).reload(HaproxyReload.none()).doSocket(false)
                .checkCommand("haproxy -c -f /tmp/c.cfg").build())
                .hasMessage("check_command needs candidate_config_file_path (the file it checks)");
    }
}
