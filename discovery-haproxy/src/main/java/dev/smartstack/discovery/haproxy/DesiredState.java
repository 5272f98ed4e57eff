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
    /** The last snapshot of each service with no config: taken in when a config for it arrives. */
    private final Map<String, ServiceSnapshot> unconfigured = new HashMap<>();
    private final Map<String, String> serviceByBackend = new HashMap<>();
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
     * Takes the pending snapshots into the desired state: by their delta when the service's last
     * admitted snapshot is the one it is relative to (or can be made so), else in full.
     *
     * @param present for a backend, the ids of the servers HAProxy still holds
     * @param reload asked for a reload with a reason (a service appeared)
     * @param report gets each refusal to report after the lock is released
     */
    void intake(Function<String, ServerIds.Held> present, java.util.function.Consumer<String> reload,
            java.util.function.Consumer<Runnable> report, Events events) {
        Map<String, ServiceSnapshot> deltas = new LinkedHashMap<>();
        for (ServiceSnapshot s : pending.values()) {
            HaproxyService config = configs.get(s.service());
            if (config == null) {
                if (unconfiguredLogged.add(s.service())) {
                    log.info("haproxy output has no haproxy section for service '{}'; it is left out", s.service());
                }
                unconfigured.put(s.service(), s);
                continue;
            }
            DesiredService ds = services.get(s.service());
            if (ds == null) {
                ds = new DesiredService(s.service(), config);
                services.put(s.service(), ds);
                serviceByBackend.put(ds.backendName, ds.service);
                version++; // its frontend and backend are written even before it has a server
                if (!config.disabled()) {
                    reload.accept("service '" + s.service() + "' appeared");
                }
            }
            ServiceSnapshot last = ds.last;
            ServiceSnapshot delta = null;
            if (last != null && !readmit.contains(s.service())) {
                if (s.version() == last.version() + 1) {
                    delta = s;
                } else if (s.version() > last.version()) {
                    delta = s.relativeTo(last); // versions were coalesced: O(changes) on the watcher's tree
                }
            }
            ds.last = s;
            ds.lastBackends = s.backends();
            if (delta == null) {
                readmit.add(s.service());
                deltas.remove(s.service());
            } else {
                deltas.put(s.service(), delta);
            }
        }
        pending.clear();
        for (ServiceSnapshot d : deltas.values()) {
            DesiredService ds = services.get(d.service());
            if (!readmit.contains(d.service()) && d.hasChanges()) {
                admitChanges(ds, d, present.apply(ds.backendName), report, events);
            }
        }
        for (String service : readmit) {
            DesiredService ds = services.get(service);
            if (ds != null) {
                admit(ds, present.apply(ds.backendName), report, events);
            }
        }
        readmit.clear();
    }

    private void admitChanges(DesiredService ds, ServiceSnapshot d, ServerIds.Held present,
            java.util.function.Consumer<Runnable> report, Events events) {
        List<dev.smartstack.discovery.core.ServiceInstance> upserts = new ArrayList<>(d.added());
        upserts.addAll(d.changed());
        Admission.Delta r = admission.admitChanges(ds, d.removed(), upserts, present);
        Map<String, String> refused = new HashMap<>();
        for (Admission.Refusal f : r.refusals()) {
            refused.put(f.instance().key(), f.reason());
            if (!f.reason().equals(ds.refused.get(f.instance().key()))) {
                report.accept(() -> events.refused(ds.service, f.instance(), f.reason()));
            }
        }
        for (String key : r.keys()) {
            String reason = refused.get(key);
            if (reason == null) {
                ds.refused.remove(key);
            } else {
                ds.refused.put(key, reason);
            }
        }
        if (r.servers().isEmpty()) {
            return;
        }
        for (Map.Entry<String, ConfigRenderer.Server> e : r.servers().entrySet()) {
            if (e.getValue() == null) {
                ds.servers.remove(e.getKey());
            } else {
                ds.servers.put(e.getKey(), e.getValue());
            }
            ds.touch(e.getKey());
        }
        version++;
        dirty.add(ds.service);
    }

    private void admit(DesiredService ds, ServerIds.Held present, java.util.function.Consumer<Runnable> report,
            Events events) {
        Map<Integer, String> before = new HashMap<>();
        for (ConfigRenderer.Server s : ds.servers.values()) {
            before.put(s.id(), s.name());
        }
        Map<String, ConfigRenderer.Server> previous = ds.servers;
        ServerIds.Held reserved = new ServerIds.Held() { // until this snapshot is applied, HAProxy may hold them
            @Override
            public Integer idOf(String name) {
                Integer id = present.idOf(name);
                ConfigRenderer.Server p = previous.get(name);
                return id != null || p == null ? id : Integer.valueOf(p.id());
            }

            @Override
            public boolean heldByOther(int id, String name) {
                String holder = before.get(id);
                return present.heldByOther(id, name) || holder != null && !holder.equals(name);
            }
        };
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
        ds.touch(null); // a full admission is followed by a full diff
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
        ServiceSnapshot waiting = unconfigured.remove(service);
        if (waiting != null) {
            offer(waiting); // a service that had no config appears with its last backends
        }
        DesiredService ds = services.get(service);
        if (ds != null) {
            serviceByBackend.remove(ds.backendName, service);
            ds.configure(config);
            serviceByBackend.put(ds.backendName, service);
            readmit.add(service);
            version++;
        }
        return ds != null;
    }

    /** Admits a service's last backends again (what admission knows changed). */
    void readmit(String service) {
        readmit.add(service);
    }

    /** Marks one server of a service (null: all) for another runtime diff. */
    void markDirty(String service, String name) {
        DesiredService ds = service == null ? null : services.get(service);
        if (ds != null) {
            ds.diff(name);
            dirty.add(service);
        }
    }

    boolean hasDirty() {
        return !dirty.isEmpty();
    }

    void markAllDirty() {
        dirty.addAll(services.keySet());
        for (DesiredService ds : services.values()) {
            ds.diff(null);
        }
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

    /** One service's desired state, or null (for tests). */
    DesiredService service(String service) {
        return services.get(service);
    }

    /** The service whose backend has this name, or null. */
    String serviceOfBackend(String backend) {
        return serviceByBackend.get(backend);
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
            out.add(new ConfigModel.Input(ds.service, ds.config, ds.backendName, ds.frozenServers()));
        }
        return out;
    }
}
