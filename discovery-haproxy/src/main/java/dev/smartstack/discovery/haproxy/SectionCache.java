package dev.smartstack.discovery.haproxy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The config file's sections kept from one render to the next, on the install loop's thread: a
 * service whose servers (the same immutable list) and config are unchanged keeps its ordered
 * servers and its rendered text, and a server that is unchanged (the same record) keeps its line.
 * A membership change then costs the changed backend's lines being joined, not every server of
 * every backend being ordered and rendered again. Not thread-safe.
 */
final class SectionCache {
    private static final class Entry {
        final Collection<ConfigRenderer.Server> source;
        final ConfigRenderer.Section section;
        String text;
        Map<ConfigRenderer.Server, String> lines;

        Entry(Collection<ConfigRenderer.Server> source, ConfigRenderer.Section section) {
            this.source = source;
            this.section = section;
        }
    }

    private Map<String, Entry> entries = new HashMap<>();
    private String bindAddress;

    /** The model of the captured services, reusing each unchanged service's section. */
    ConfigModel model(long version, Settings s, List<ConfigModel.Input> inputs) {
        Map<String, Entry> next = new HashMap<>(inputs.size() * 2);
        List<ConfigRenderer.Section> sections = new ArrayList<>(inputs.size());
        for (ConfigModel.Input i : inputs) {
            Entry e = entries.get(i.service());
            if (e == null || e.source != i.servers() || !e.section.backendName().equals(i.backendName())
                    || e.section.config() != i.config() && !e.section.config().equals(i.config())) {
                Entry fresh = new Entry(i.servers(), new ConfigRenderer.Section(i.service(), i.config(), i.backendName(),
                        ConfigRenderer.order(new ArrayList<>(i.servers()), i.config().backendOrder(), i.service(),
                                s.serverOrderSeed())));
                boolean sameConfig = e != null && (e.section.config() == i.config() || e.section.config().equals(i.config()));
                fresh.lines = sameConfig ? e.lines : null; // the servers that stayed keep their lines
                e = fresh;
            }
            next.put(i.service(), e);
            sections.add(e.section);
        }
        entries = next;
        return new ConfigModel(version, s.effectiveGlobal(), s.effectiveDefaults(), s.extraSections(), sections,
                s.bindAddress(), ConfigRenderer.sharedFrontend(s.sharedFrontend(), sections, s.services().keySet()));
    }

    /** The text of a model made by {@link #model}: the same as {@link ConfigModel#render()}. */
    String render(ConfigModel model) {
        if (!java.util.Objects.equals(bindAddress, model.bindAddress())) {
            bindAddress = model.bindAddress();
            for (Entry e : entries.values()) {
                e.text = null;
            }
        }
        return ConfigRenderer.render(model.global(), model.defaults(), model.extraSections(), model.sections(),
                model.bindAddress(), model.sharedFrontend(), this::text);
    }

    private String text(ConfigRenderer.Section s, String globalBindAddress) {
        Entry e = entries.get(s.service());
        if (e == null || e.section != s) {
            return ConfigRenderer.section(s, globalBindAddress, server -> server.line(s.usesCookies()));
        }
        if (e.text == null) {
            boolean cookies = s.usesCookies();
            Map<ConfigRenderer.Server, String> before = e.lines == null ? Map.of() : e.lines;
            Map<ConfigRenderer.Server, String> now = new IdentityHashMap<>(s.servers().size() * 2);
            e.text = ConfigRenderer.section(s, globalBindAddress, server -> {
                String line = before.get(server);
                if (line == null) {
                    line = server.line(cookies);
                }
                now.put(server, line);
                return line;
            });
            e.lines = now;
        }
        return e.text;
    }
}
