package dev.smartstack.discovery.agent;

import dev.smartstack.discovery.agent.config.ConfigException;
import dev.smartstack.discovery.agent.config.SynapseConfig;
import dev.smartstack.discovery.synapse.SnapshotOutput;

/** Builds the {@code haproxy} generator from the config's global and per-service sections. */
final class HaproxyGenerator {
    private HaproxyGenerator() {
    }

    /**
     * The HAProxy output for {@code config}.
     *
     * @throws ConfigException when the generator cannot be built from the config
     */
    static SnapshotOutput output(SynapseConfig config, String shownAs) {
        throw new ConfigException(shownAs, "haproxy", "the haproxy generator is not available in this build yet");
    }
}
