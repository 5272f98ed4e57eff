package dev.smartstack.discovery.haproxy;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one service should look like in HAProxy: its operator config, its backend name, and its
 * admitted servers by name (in snapshot order), with their stable ids. Guarded by the output's lock.
 */
final class DesiredService {
    final String service;
    HaproxyService config;
    String backendName;
    Map<String, ConfigRenderer.Server> servers = new LinkedHashMap<>();
    final ServerIds ids = new ServerIds();
    /** The reason each refused znode (by key) was refused last, so that a refusal is reported once per change. */
    final Map<String, String> refused = new HashMap<>();
    /** Per-znode admission results, reused while the znode's data is unchanged. */
    Map<String, Admission.Checked> checked = new HashMap<>();
    /** {@link #checked} by server name, then znode key: the znodes that decide one server. */
    final Map<String, Map<String, Admission.Checked>> groups = new HashMap<>();
    /** The backends of the last snapshot, admitted again when what admission knows changes. */
    java.util.List<dev.smartstack.discovery.core.ServiceInstance> lastBackends = java.util.List.of();
    /** The last snapshot admitted, or null: the next one is then admitted in full rather than by its delta. */
    dev.smartstack.discovery.synapse.ServiceSnapshot last;
    /** The server names changed since the last runtime diff, or null when every server must be diffed. */
    java.util.Set<String> touched;
    /** {@link #servers} as an immutable list for the config file, made when first asked after a change. */
    private java.util.List<ConfigRenderer.Server> frozen;

    DesiredService(String service, HaproxyService config) {
        this.service = service;
        configure(config);
    }

    void configure(HaproxyService c) {
        this.config = c;
        this.checked = new HashMap<>();
        this.groups.clear();
        this.last = null;
        this.backendName = backendName(service, c);
    }

    /** Records that a server changed (null: that all did) for the runtime diff and the config file. */
    void touch(String name) {
        frozen = null;
        diff(name);
    }

    /** Marks one server (null: all) for the next runtime diff, its form unchanged. */
    void diff(String name) {
        if (name == null) {
            touched = null;
        } else if (touched != null) {
            touched.add(name);
        }
    }

    /** The names to diff, or null for all; the next diff starts from none. */
    java.util.Set<String> takeTouched() {
        java.util.Set<String> t = touched;
        touched = new java.util.LinkedHashSet<>();
        return t;
    }

    /** The servers as an immutable list (the same list until they change). */
    java.util.List<ConfigRenderer.Server> frozenServers() {
        if (frozen == null) {
            frozen = java.util.List.copyOf(servers.values());
        }
        return frozen;
    }

    static String backendName(String service, HaproxyService c) {
        return c.backendName() != null ? c.backendName() : service;
    }

    /** Whether HAProxy 2.6 can take membership changes of this backend at run time: not with cookies. */
    boolean usesCookies() {
        return ConfigRenderer.hasDirective(config.backend(), "cookie")
                || ConfigRenderer.hasDirective(config.listen(), "cookie");
    }
}
