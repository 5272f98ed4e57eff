package dev.smartstack.discovery.agent.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The HAProxy settings a service reads from ZooKeeper ({@code generator_config_path}, by default
 * the service's {@code discovery.path}), as Ruby Synapse stores them in the znode's data:
 * {@code {"haproxy": {...}}}, the {@code haproxy} object holding the keys of a service's
 * {@code haproxy} section in the config file.
 *
 * <p>The data is untrusted, like a registration's. It is held to the very rules of the config
 * file's section (the same binding onto {@link SynapseFile.ServiceHaproxy}: unknown keys, wrong
 * types, multi-line values and out-of-range ports refused), plus a size limit; HaproxyService's
 * builder then checks the values as it does for the file. {@code shared_frontend} is refused: its
 * lines go into the frontend that every service shares, beyond the one service the znode is for. Other top-level keys (Ruby's other
 * generators, such as {@code file_output}) are ignored, as Ruby ignores names it has no generator for.
 */
public final class ZnodeHaproxy {
    /** The most data a znode may hold for its settings (ZooKeeper allows about 1 MiB). */
    public static final int MAX_BYTES = 64 * 1024;

    private ZnodeHaproxy() {
    }

    /**
     * The {@code haproxy} section that {@code data} holds.
     *
     * @param path the znode, named in errors as {@code znode <path>}
     * @param data its data; null or blank holds no settings
     * @return empty when the data holds no {@code haproxy} key
     * @throws ConfigException one line naming the znode and the key, for data that is refused
     */
    public static Optional<SynapseConfig.ServiceHaproxy> parse(String path, byte[] data) {
        String shownAs = "znode " + path;
        if (data == null || data.length == 0) {
            return Optional.empty();
        }
        if (data.length > MAX_BYTES) {
            throw new ConfigException(shownAs, "", "expected at most " + MAX_BYTES + " bytes of data but was " + data.length);
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(data)).toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException(shownAs, "", "expected UTF-8 text but the data is not");
        }
        if (text.isBlank()) {
            return Optional.empty();
        }
        JsonNode root = ConfigBinder.parse(text, false, shownAs);
        JsonNode section = root.get("haproxy");
        if (section == null) {
            return Optional.empty();
        }
        if (!section.isObject()) {
            throw new ConfigException(shownAs, "haproxy", "expected an object but was " + RecordRules.describe(section));
        }
        if (section.has("shared_frontend")) {
            throw new ConfigException(shownAs, "haproxy.shared_frontend", "is not taken from a znode: its lines route"
                    + " every service's traffic, so only the config file may give them");
        }
        SynapseFile.ServiceHaproxy bound = ConfigBinder.bind(section, SynapseFile.ServiceHaproxy.class, shownAs, "haproxy");
        return Optional.of(SynapseLoader.serviceHaproxy(shownAs, "haproxy", bound));
    }
}
