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
    /** The backends of the last snapshot, admitted again when what admission knows changes. */
    java.util.List<dev.smartstack.discovery.core.ServiceInstance> lastBackends = java.util.List.of();

    DesiredService(String service, HaproxyService config) {
        this.service = service;
        configure(config);
    }

    void configure(HaproxyService c) {
        this.config = c;
        this.checked = new HashMap<>();
        this.backendName = backendName(service, c);
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
