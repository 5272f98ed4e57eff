package dev.smartstack.discovery.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.statistics.Statistics;

/**
 * Config-file fuzz, in-process ({@link Main#run}, the code {@code bin/smartstack} runs): a
 * generated or truncated {@code nerve.conf.json}/{@code synapse.conf.json} gives exit code 2 and
 * one line naming the file (and the key a mutation touched), never a stack trace; a mutation that
 * leaves the config valid gives 0. {@link ConfigFuzzProcessIT} runs the same cases through the real
 * process. The contract is asserted, not the wording, so that the config reader can change.
 */
class ConfigFuzzTest extends ConfigFuzzContainer {
    @Property(tries = 300)
    void nerve_generatedConfig_exit2WithOneLineNamingFileAndKey_orValid(@ForAll("nerveCases") ConfigFuzz.Case c)
            throws IOException {
        check(c, "nerve.conf.json");
    }

    @Property(tries = 300)
    void synapse_generatedConfig_exit2WithOneLineNamingFileAndKey_orValid(@ForAll("synapseCases") ConfigFuzz.Case c)
            throws IOException {
        check(c, "synapse.conf.json");
    }

    private static void check(ConfigFuzz.Case c, String name) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, c.content());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(Map.of(), new PrintWriter(out, true), new PrintWriter(err, true),
                c.command(), "--config", file.toString(), "--check-config");
        Statistics.collect(c.kind(), code);
        assertContract(c, file, code, out.toString(), err.toString());
    }

    /** Kinds that are never a valid config. */
    static final Set<String> ALWAYS_REFUSED = Set.of("truncated", "binary", "deep", "huge", "trailing", "degenerate");
    /**
     * Kinds whose error names the key that the mutation touched. (A "huge" value over Jackson's
     * length limit is refused while parsing, with its line and column rather than its key.)
     */
    static final Set<String> NAMES_THE_KEY = Set.of("wrong-type", "missing-key", "unknown-key");

    static void assertContract(ConfigFuzz.Case c, Path file, int code, String out, String err) {
        assertThat(code).as("exit code for %s; stderr %s", c, err).isIn(0, 2);
        if (ALWAYS_REFUSED.contains(c.kind())) {
            assertThat(code).as("exit code for %s; stdout %s", c, out).isEqualTo(2);
        }
        if (code == 0) {
            assertThat(err).as("stderr for %s", c).isEmpty();
            assertThat(out).as("stdout for %s", c).contains(": OK");
            return;
        }
        assertThat(out).as("stdout for %s", c).isEmpty();
        assertThat(err).as("stderr for %s", c).endsWith("\n").contains(file.toString()).doesNotContain(ConfigFuzz.PASSWORD)
                .doesNotContain("Exception").doesNotContainPattern("(?m)^\\s+at ");
        assertThat(err.lines().count()).as("lines on stderr for %s: %s", c, err).isEqualTo(1);
        if (NAMES_THE_KEY.contains(c.kind()) && c.key() != null && !c.key().isEmpty()) {
            assertThat(err).as("stderr for %s", c).contains(ConfigFuzz.lastKey(c.key()));
        }
    }
}
