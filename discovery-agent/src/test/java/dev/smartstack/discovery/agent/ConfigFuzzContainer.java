package dev.smartstack.discovery.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * What {@link ConfigFuzzTest} (in-process) and {@link ConfigFuzzProcessIT} (the real process)
 * share: a temporary directory for the generated files, made before and deleted after the
 * container, and the providers of {@link ConfigFuzz}'s nerve and synapse cases.
 */
abstract class ConfigFuzzContainer {
    /** The directory of the current container's generated files. */
    static Path dir;

    @BeforeContainer
    static void createDir() throws IOException {
        dir = Files.createTempDirectory("smartstack-config-fuzz-");
    }

    @AfterContainer
    static void deleteDir() throws IOException {
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Provide
    Arbitrary<ConfigFuzz.Case> nerveCases() {
        return ConfigFuzz.cases("nerve", ConfigFuzz.nerveBase());
    }

    @Provide
    Arbitrary<ConfigFuzz.Case> synapseCases() {
        return ConfigFuzz.cases("synapse", ConfigFuzz.synapseBase(dir.toString()));
    }
}
