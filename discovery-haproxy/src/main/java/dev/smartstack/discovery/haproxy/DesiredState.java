package dev.smartstack.discovery.haproxy;

import dev.smartstack.discovery.synapse.ServiceSnapshot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The desired state of every service: snapshots in, admitted servers with stable ids out, and which
 * services changed since the runtime diff and the config file last looked. Decisions only, no I/O;
 * guarded by the output's lock (every method is called holding it).
 */
final class DesiredState {
    private static final Logger log = LoggerFactory.getLogger(HaproxyOutput.class);

    private final Admission admission;
    private final Map<String, HaproxyService> configs;
    private final Map<String, DesiredService> services = new TreeMap<>();
    private final Map<String, ServiceSnapshot> pending = new LinkedHashMap<>();
    private final Set<String> readmit = new LinkedHashSet<>();
    private final Set<String> dirty = new LinkedHashSet<>();
    private final Set<String> unconfiguredLogged = new HashSet<>();
    private long version;

    DesiredState(Admission admission, Map<String, HaproxyService> configs) {
        this.admission = admission;
        this.configs = new HashMap<>(configs);
    }

    /** Keeps the newest snapshot of a service until the next pass. */
    void offer(ServiceSnapshot s) {
        ServiceSnapshot queued = pending.get(s.service());
        if (queued == null || queued.version() <= s.version()) {
            pending.put(s.service(), s);
        }
    }

    boolean hasPending() {
        return !pending.isEmpty() || !readmit.isEmpty();
    }

    /** Increases with every change of what the config file should say. */
    long version() {
        return version;
    }

    /**
     * Takes the pending snapshots into the desired state.
     *
     * @param present for a backend, the ids of the servers HAProxy still holds, by name
     * @param reload asked for a reload with a reason (a service appeared)
     * @param report gets each refusal to report after the lock is released
     */
    void intake(Function<String, Map<String, Integer>> present, java.util.function.Consumer<String> reload,
            java.util.function.Consumer<Runnable> report, Events events) {
        for (ServiceSnapshot s : pending.values()) {
            HaproxyService config = configs.get(s.service());
            if (config == null) {
                if (unconfiguredLogged.add(s.service())) {
                    log.info("haproxy output has no haproxy section for service '{}'; it is left out", s.service());
                }
                continue;
            }
            DesiredService ds = services.get(s.service());
            if (ds == null) {
                ds = new DesiredService(s.service(), config);
                services.put(s.service(), ds);
                version++; // its frontend and backend are written even before it has a server
                if (!config.disabled()) {
                    reload.accept("service '" + s.service() + "' appeared");
                }
            }
            ds.lastBackends = s.backends();
            readmit.add(s.service());
        }
        pending.clear();
        for (String service : readmit) {
            DesiredService ds = services.get(service);
            if (ds != null) {
                admit(ds, present.apply(ds.backendName), report, events);
            }
        }
        readmit.clear();
    }

    private void admit(DesiredService ds, Map<String, Integer> present, java.util.function.Consumer<Runnable> report,
            Events events) {
        Map<String, Integer> reserved = new HashMap<>(present);
        for (ConfigRenderer.Server s : ds.servers.values()) {
            reserved.putIfAbsent(s.name(), s.id()); // until this snapshot is applied, HAProxy may hold them
        }
        Admission.Result r = admission.admit(ds, ds.lastBackends, reserved);
        Map<String, String> refused = new HashMap<>();
        for (Admission.Refusal f : r.refusals()) {
            refused.put(f.instance().key(), f.reason());
            if (!f.reason().equals(ds.refused.get(f.instance().key()))) {
                report.accept(() -> events.refused(ds.service, f.instance(), f.reason()));
            }
        }
        ds.refused.clear();
        ds.refused.putAll(refused);
        if (!r.servers().equals(ds.servers)) {
            ds.servers = r.servers();
            version++;
            dirty.add(ds.service);
        }
    }

    /**
     * Replaces a service's operator config; false when it is unchanged.
     *
     * @throws IllegalArgumentException when another service already has its backend name
     */
    boolean configure(String service, HaproxyService config) {
        Map<String, HaproxyService> next = new HashMap<>(configs);
        next.put(service, config);
        HaproxyNames.requireUniqueBackendNames(next);
        if (config.equals(configs.put(service, config))) {
            return false;
        }
        DesiredService ds = services.get(service);
        if (ds != null) {
            ds.configure(config);
            readmit.add(service);
            version++;
        }
        return ds != null;
    }

    /** Admits a service's last backends again (what admission knows changed). */
    void readmit(String service) {
        readmit.add(service);
    }

    /** Marks a service's membership for another runtime diff. */
    void markDirty(String service) {
        if (service != null) {
            dirty.add(service);
        }
    }

    boolean hasDirty() {
        return !dirty.isEmpty();
    }

    void markAllDirty() {
        dirty.addAll(services.keySet());
    }

    /** The services whose membership changed since the last call, cleared. */
    List<DesiredService> takeDirty() {
        List<DesiredService> out = new ArrayList<>(dirty.size());
        for (String s : dirty) {
            DesiredService ds = services.get(s);
            if (ds != null) {
                out.add(ds);
            }
        }
        dirty.clear();
        return out;
    }

    /** The service whose backend has this name, or null. */
    String serviceOfBackend(String backend) {
        for (DesiredService ds : services.values()) {
            if (ds.backendName.equals(backend)) {
                return ds.service;
            }
        }
        return null;
    }

    /** The enabled backends by name. */
    Set<String> enabledBackends() {
        Set<String> out = new HashSet<>();
        for (DesiredService ds : services.values()) {
            if (!ds.config.disabled()) {
                out.add(ds.backendName);
            }
        }
        return out;
    }

    /** What the config file is rendered from, by reference: each server map is replaced, never changed. */
    List<ConfigModel.Input> capture() {
        List<ConfigModel.Input> out = new ArrayList<>(services.size());
        for (DesiredService ds : services.values()) {
            out.add(new ConfigModel.Input(ds.service, ds.config, ds.backendName, ds.servers.values()));
        }
        return out;
    }
}
