package dev.smartstack.discovery.haproxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which files the installer checks; {@code /bin/true} stands in for an accepting {@code haproxy -c}. */
class ConfigInstallerTest {
    @TempDir
    Path dir;

    private static ConfigModel model(String backendLine, ConfigRenderer.Server... servers) {
        HaproxyService config = HaproxyService.builder().backend(List.of(backendLine)).build();
        return new ConfigModel(0, List.of(), List.of(), Map.of(),
                List.of(new ConfigRenderer.Section("svc", config, "svc", List.of(servers))), "127.0.0.1", null);
    }

    private static ConfigRenderer.Server server(String name, int id, String options) {
        return new ConfigRenderer.Server(name, name, "127.0.0.1:" + (8000 + id), id, null, null, options);
    }

    @Test
    void install_shapeAcceptedUnderAnOldOperatorStructure_isCheckedAgain() throws IOException {
        ConfigInstaller installer = new ConfigInstaller(dir.resolve("haproxy.cfg"), "/bin/true", Duration.ofSeconds(10));
        assertThat(installer.install(model("balance roundrobin", server("a", 1, "check"))).outcome())
                .isEqualTo(ConfigInstaller.Outcome.INSTALLED_CHECKED);
        // the operator changes the backend's lines; the file checked with them has no 'check' server
        assertThat(installer.install(model("balance first", server("b", 2, ""))).outcome())
                .isEqualTo(ConfigInstaller.Outcome.INSTALLED_CHECKED);
        // before the fix 'check' counted as accepted (from the old lines) and skipped haproxy -c
        assertThat(installer.install(model("balance first", server("b", 2, ""), server("c", 3, "check"))).outcome())
                .isEqualTo(ConfigInstaller.Outcome.INSTALLED_CHECKED);
        // while under one structure a known shape still takes the fast path
        assertThat(installer.install(model("balance first", server("b", 2, ""), server("d", 4, "check"))).outcome())
                .isEqualTo(ConfigInstaller.Outcome.INSTALLED_FAST);
        assertThat(Files.readString(dir.resolve("haproxy.cfg"))).contains("server d 127.0.0.1:8004 id 4 check");
    }
}
