package dev.smartstack.discovery.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * Config-file fuzz through the real process: {@code bin/smartstack nerve|synapse --config F
 * --check-config} runs the runnable jar ({@code target/smartstack.jar}, built in
 * {@code package}). A sample of the cases of {@link ConfigFuzzTest}, which runs many more
 * in-process; the contract is the same: exit 2 and one line on stderr naming the file (and the
 * key), never a stack trace, or exit 0 for a config the mutation left valid.
 */
class ConfigFuzzProcessIT extends ConfigFuzzContainer {
    @Property(tries = 4)
    void nerveProcess_generatedConfig_exit2WithOneLineNamingFileAndKey_orValid(@ForAll("nerveCases") ConfigFuzz.Case c)
            throws Exception {
        run(c, "nerve.conf.json");
    }

    @Property(tries = 4)
    void synapseProcess_generatedConfig_exit2WithOneLineNamingFileAndKey_orValid(@ForAll("synapseCases") ConfigFuzz.Case c)
            throws Exception {
        run(c, "synapse.conf.json");
    }

    private static void run(ConfigFuzz.Case c, String name) throws Exception {
        Path file = dir.resolve(name);
        Files.write(file, c.content());
        Path out = dir.resolve("stdout");
        Path err = dir.resolve("stderr");
        Path script = Path.of("..", "bin", "smartstack").toAbsolutePath().normalize();
        assertThat(script).exists();
        assertThat(Path.of("target", "smartstack.jar")).exists();
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), c.command(), "--config", file.toString(),
                "--check-config").redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        pb.environment().put("JAVA_OPTS", "-Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC");
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("bin/smartstack " + c.command() + " --check-config did not finish within 120 s");
        }
        ConfigFuzzTest.assertContract(c, file, p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
