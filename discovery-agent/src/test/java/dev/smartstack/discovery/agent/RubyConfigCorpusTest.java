package dev.smartstack.discovery.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The corpus in {@code src/test/resources/ruby-configs}: config files written here from the Ruby
 * tools' READMEs, examples and specs, one key or form of each kind. Every one passes
 * {@code --check-config}.
 */
class RubyConfigCorpusTest {
    private static final Path CORPUS = Path.of("src", "test", "resources", "ruby-configs");
    private static final Map<String, String> ENV = Map.of("ZK_HOST", "127.0.0.1");

    static Stream<Path> nerveFiles() throws IOException {
        return files("nerve");
    }

    static Stream<Path> synapseFiles() throws IOException {
        return files("synapse");
    }

    private static Stream<Path> files(String dir) throws IOException {
        try (Stream<Path> s = Files.list(CORPUS.resolve(dir))) {
            List<Path> files = s.sorted().toList();
            assertThat(files).hasSizeGreaterThanOrEqualTo(5);
            return files.stream();
        }
    }

    private static String[] run(String... args) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int code = Main.run(ENV, new PrintWriter(o, true), new PrintWriter(e, true), args);
        return new String[] {Integer.toString(code), o.toString(), e.toString()};
    }

    @ParameterizedTest
    @MethodSource("nerveFiles")
    void nerve_checkConfig_exits0(Path file) {
        String[] r = run("nerve", "--config", file.toString(), "-k");
        assertThat(r[2]).isEmpty();
        assertThat(r[0]).isEqualTo("0");
        assertThat(r[1]).startsWith("smartstack: " + file + ": OK: instance_id ");
    }

    @ParameterizedTest
    @MethodSource("synapseFiles")
    void synapse_checkConfig_exits0(Path file) {
        String[] r = run("synapse", "--config", file.toString(), "--check-config");
        assertThat(r[2]).isEmpty();
        assertThat(r[0]).isEqualTo("0");
        assertThat(r[1]).startsWith("smartstack: " + file + ": OK: ");
    }
}
