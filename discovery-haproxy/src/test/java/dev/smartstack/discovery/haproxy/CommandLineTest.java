package dev.smartstack.discovery.haproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CommandLineTest {
    @TempDir
    Path dir;

    @Test
    void plainCommand_splitOnWhitespace_noShell() {
        assertThat(CommandLine.argv("  sudo   service haproxy reload ", "reload_command"))
                .containsExactly("sudo", "service", "haproxy", "reload");
        assertThat(CommandLine.argv("haproxy -c -f /etc/haproxy/haproxy-candidate.cfg", "check_command"))
                .containsExactly("haproxy", "-c", "-f", "/etc/haproxy/haproxy-candidate.cfg");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "haproxy -f /etc/haproxy/haproxy.cfg -p /run/haproxy.pid -D -sf $(cat /run/haproxy.pid)",
        "systemctl reload haproxy || systemctl restart haproxy",
        "systemctl reload haproxy; true",
        "cp a b && systemctl reload haproxy",
        "echo 'quoted words'",
        "kill -USR2 `cat /run/haproxy.pid`",
        "HAPROXY=/usr/sbin/haproxy reload-haproxy",
        "exec /usr/local/bin/reload",
        "reload > /var/log/reload.log"})
    void shellSyntax_runsThroughShAsRubyDoes(String command) {
        assertThat(CommandLine.argv(command, "reload_command")).containsExactly("/bin/sh", "-c", command);
    }

    @Test
    void blank_refusedWithTheKey() {
        assertThatThrownBy(() -> CommandLine.argv("  ", "check_command"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("check_command must not be empty");
    }

    @Test
    void shellCommand_reallyRunsThroughTheShell() throws Exception {
        Path out = dir.resolve("out");
        String command = "echo $((6 * 7)) > '" + out + "'";
        assertThat(ProcessRunner.run(CommandLine.argv(command, "reload_command"), "reload_command", Duration.ofSeconds(30)))
                .isNull();
        assertThat(Files.readString(out)).isEqualTo("42\n");
    }
}
