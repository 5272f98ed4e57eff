package dev.smartstack.discovery.haproxy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the config file is rendered from, captured under the output's lock and rendered,
 * checked and installed outside it. Immutable.
 *
 * @param version the desired-state version it was taken at
 * @param sharedFrontend the lines of {@code frontend shared-frontend} ({@link ConfigRenderer#sharedFrontend}), or
 *     null for no shared frontend
 */
record ConfigModel(long version, List<String> global, List<String> defaults, Map<String, List<String>> extraSections,
        List<ConfigRenderer.Section> sections, String bindAddress, List<String> sharedFrontend) {

    /** One service as captured under the lock; its servers are ordered outside it. */
    record Input(String service, HaproxyService config, String backendName,
            java.util.Collection<ConfigRenderer.Server> servers) {
    }

    /** The model of the captured services: orders their servers (the expensive part) here, outside the lock. */
    static ConfigModel of(long version, Settings s, List<Input> inputs) {
        List<ConfigRenderer.Section> sections = new ArrayList<>(inputs.size());
        for (Input i : inputs) {
            sections.add(new ConfigRenderer.Section(i.service(), i.config(), i.backendName(),
                    ConfigRenderer.order(new ArrayList<>(i.servers()), i.config().backendOrder(), i.service(),
                            s.serverOrderSeed())));
        }
        return new ConfigModel(version, s.effectiveGlobal(), s.effectiveDefaults(), s.extraSections(), sections,
                s.bindAddress(), ConfigRenderer.sharedFrontend(s.sharedFrontend(), sections, s.services().keySet()));
    }

    String render() {
        return ConfigRenderer.render(global, defaults, extraSections, sections, bindAddress, sharedFrontend);
    }

    /** The same config without any server line: what must equal a checked config's for the fast path. */
    ConfigModel structure() {
        List<ConfigRenderer.Section> bare = new ArrayList<>(sections.size());
        for (ConfigRenderer.Section s : sections) {
            bare.add(new ConfigRenderer.Section(s.service(), s.config(), s.backendName(), List.of()));
        }
        return new ConfigModel(0, global, defaults, extraSections, bare, bindAddress, sharedFrontend);
    }

    /** The servers of each enabled backend, by name, as a reload of this config would create them. */
    Map<String, Map<String, ConfigRenderer.Server>> serversByBackend() {
        Map<String, Map<String, ConfigRenderer.Server>> out = new HashMap<>();
        for (ConfigRenderer.Section s : sections) {
            if (s.config().disabled()) {
                continue;
            }
            Map<String, ConfigRenderer.Server> m = new LinkedHashMap<>();
            for (ConfigRenderer.Server server : s.servers()) {
                m.put(server.name(), server);
            }
            out.put(s.backendName(), m);
        }
        return out;
    }
}
