package dev.smartstack.discovery.haproxy;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the running HAProxy has: its live backends and their servers (as sent, before the answers
 * come back), and the servers draining out of them. Turns the diff of a desired service against it
 * into a {@link RuntimePlan}, and applies the plan's answers. Decisions only, no I/O; guarded by
 * the output's lock.
 */
final class AppliedState {
    private static final Logger log = LoggerFactory.getLogger(HaproxyOutput.class);

    private final Map<String, Map<String, ConfigRenderer.Server>> servers = new HashMap<>();
    /** The names of {@link #servers} by id, per backend, so that allocating an id does not scan a backend. */
    private final Map<String, Map<Integer, String>> names = new HashMap<>();
    private Set<String> live = Set.of();
    /** The numeric ids of backends, learned from {@code show servers state <backend>}. */
    private final Map<String, Integer> backendIds = new HashMap<>();
    final DrainTracker drains;

    AppliedState(DrainTracker drains) {
        this.drains = drains;
    }

    boolean isLive(String backend) {
        return live.contains(backend);
    }

    /** HAProxy (re)started from a config with these servers: nothing else is in it, nothing drains. */
    void reset(Map<String, Map<String, ConfigRenderer.Server>> fromConfig) {
        servers.clear();
        names.clear();
        for (Map.Entry<String, Map<String, ConfigRenderer.Server>> e : fromConfig.entrySet()) {
            servers.put(e.getKey(), new LinkedHashMap<>(e.getValue()));
            Map<Integer, String> byId = new HashMap<>();
            for (ConfigRenderer.Server s : e.getValue().values()) {
                byId.put(s.id(), s.name());
            }
            names.put(e.getKey(), byId);
        }
        live = new HashSet<>(fromConfig.keySet());
        backendIds.clear();
        drains.clear();
    }

    /** HAProxy is gone: nothing is live until it runs again. */
    void lost() {
        servers.clear();
        names.clear();
        live = Set.of();
        backendIds.clear();
        drains.clear();
    }

    /** The ids HAProxy still holds for a backend's servers (applied and draining). */
    ServerIds.Held held(String backend) {
        return new ServerIds.Held() {
            @Override
            public Integer idOf(String name) {
                ConfigRenderer.Server s = servers.getOrDefault(backend, Map.of()).get(name);
                if (s == null) {
                    DrainTracker.Drain d = drains.get(backend, name);
                    return d == null ? null : d.server.id();
                }
                return s.id();
            }

            @Override
            public boolean heldByOther(int id, String name) {
                String holder = names.getOrDefault(backend, Map.of()).get(id);
                return holder != null && !holder.equals(name) || drains.heldByOther(backend, id, name);
            }
        };
    }

    private void put(String backend, Map<String, ConfigRenderer.Server> applied, ConfigRenderer.Server s) {
        ConfigRenderer.Server old = applied.put(s.name(), s);
        Map<Integer, String> byId = names.computeIfAbsent(backend, k -> new HashMap<>());
        if (old != null && old.id() != s.id()) {
            byId.remove(old.id(), old.name());
        }
        byId.put(s.id(), s.name());
    }

    private void remove(String backend, Map<String, ConfigRenderer.Server> applied, String name) {
        ConfigRenderer.Server old = applied.remove(name);
        if (old != null) {
            names.getOrDefault(backend, new HashMap<>()).remove(old.id(), name);
        }
    }

    /** Whether HAProxy has exactly the desired servers of this service, nothing draining or waiting. */
    boolean has(DesiredService ds) {
        MembershipDiff d = MembershipDiff.of(ds.servers, servers.getOrDefault(ds.backendName, Map.of()),
                drains.draining(ds.backendName));
        return d.isEmpty() && d.deferred().isEmpty();
    }

    /** Plans the commands that bring a live backend to the desired servers, and counts them as applied. */
    void plan(DesiredService ds, RuntimePlan plan) {
        plan(ds, plan, null);
    }

    /**
     * Plans the commands for the servers of {@code touched} only (by name), or for all when it is
     * null: a snapshot's delta costs its own size, not the backend's.
     */
    void plan(DesiredService ds, RuntimePlan plan, java.util.Collection<String> touched) {
        String be = ds.backendName;
        Map<String, ConfigRenderer.Server> applied = servers.computeIfAbsent(be, k -> new LinkedHashMap<>());
        Map<String, ConfigRenderer.Server> draining = drains.draining(be);
        MembershipDiff d = MembershipDiff.of(ds.servers, applied, draining, touched);
        for (ConfigRenderer.Server s : d.removes()) {
            remove(be, applied, s.name());
            drains.start(be, s);
            plan.add(RuntimePlan.Kind.MAINT, ds.service, be, s, RuntimeCommand.setState(be, s.name(), "maint"));
            Integer beId = backendIds.get(be);
            if (beId != null) {
                plan.add(RuntimePlan.Kind.POLL, ds.service, be, s, RuntimeCommand.showStat(beId, s.id()));
            } else if (d.removes().get(0) == s) {
                plan.add(RuntimePlan.Kind.BACKEND_ID, ds.service, be, s, RuntimeCommand.showServersState(be));
            }
        }
        for (ConfigRenderer.Server s : d.reweights()) {
            put(be, applied, s);
            plan.add(RuntimePlan.Kind.WEIGHT, ds.service, be, s, RuntimeCommand.setWeight(be, s.name(), s.weight()));
        }
        for (ConfigRenderer.Server s : d.revives()) {
            ConfigRenderer.Server old = draining.get(s.name());
            drains.remove(be, s.name());
            put(be, applied, s);
            log.info("haproxy server {}/{} joins again while draining; it is made ready again", be, s.name());
            if (s.weight() != null && !s.weight().equals(old.weight())) {
                plan.add(RuntimePlan.Kind.WEIGHT, ds.service, be, s, RuntimeCommand.setWeight(be, s.name(), s.weight()));
            }
            if (!s.startsDisabled()) {
                plan.add(RuntimePlan.Kind.READY, ds.service, be, s, RuntimeCommand.setState(be, s.name(), "ready"));
            }
        }
        for (ConfigRenderer.Server s : d.adds()) {
            put(be, applied, s);
            plan.add(RuntimePlan.Kind.ADD, ds.service, be, s, RuntimeCommand.addServer(be, s.name(), s.runtimeArguments()));
            // A dynamic server starts in maintenance; one marked "disabled" stays there, as after a reload.
            if (!s.startsDisabled()) {
                plan.add(RuntimePlan.Kind.ENABLE, ds.service, be, s, RuntimeCommand.enableServer(be, s.name()));
            }
            if (s.hasCheck()) {
                plan.add(RuntimePlan.Kind.HEALTH, ds.service, be, s, RuntimeCommand.enableHealth(be, s.name()));
            }
        }
    }

    /** Plans the next step of every drain: poll its load, or delete it, or (timed out) shut it down and delete it. */
    void planDrains(RuntimePlan plan, java.util.function.Function<String, String> serviceOfBackend) {
        Set<String> asked = new HashSet<>();
        for (DrainTracker.Drain d : drains.all()) {
            String be = d.backend;
            String name = d.server.name();
            String service = serviceOfBackend.apply(be);
            if (drains.expired(d)) {
                if (!d.shutDown) {
                    d.shutDown = true;
                    log.info("haproxy server {}/{} still busy after drain_timeout; shutting its sessions down", be, name);
                    plan.add(RuntimePlan.Kind.SHUTDOWN, service, be, d.server, RuntimeCommand.shutdownSessions(be, name));
                }
                plan.add(RuntimePlan.Kind.DELETE, service, be, d.server, RuntimeCommand.delServer(be, name));
            } else if (d.idle) {
                plan.add(RuntimePlan.Kind.DELETE, service, be, d.server, RuntimeCommand.delServer(be, name));
            } else if (backendIds.containsKey(be)) {
                plan.add(RuntimePlan.Kind.POLL, service, be, d.server, RuntimeCommand.showStat(backendIds.get(be),
                        d.server.id()));
            } else if (asked.add(be)) {
                plan.add(RuntimePlan.Kind.BACKEND_ID, service, be, d.server, RuntimeCommand.showServersState(be));
            }
        }
    }

    /** The backend id in a {@code show servers state <backend>} answer (its first column), or null. */
    static Integer backendId(String text) {
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("#") || line.equals("1")) {
                continue;
            }
            String first = line.split(" ", 2)[0];
            return first.matches("\\d{1,9}") ? Integer.valueOf(first) : null;
        }
        return null;
    }

    /**
     * Applies the answers of a plan.
     *
     * @param failed gets each failure that needs a reload to converge (the reason) and is reported
     * @param report gets what to report after the lock is released
     * @param readmit gets a service whose servers must be admitted again (a keyword was learned)
     * @param changed gets a service and server name that must be diffed again (a delete made room)
     * @return whether a drain became idle (its delete can go at once)
     */
    boolean apply(RuntimePlan plan, List<RuntimeCommand.Answer> answers, RuntimeKeywords keywords, Events events,
            Consumer<String> failed, Consumer<Runnable> report, Consumer<String> readmit, java.util.function.BiConsumer<String, String> changed) {
        boolean idle = false;
        Set<String> failedAdds = new HashSet<>();
        for (int i = 0; i < answers.size(); i++) {
            RuntimePlan.Op op = plan.ops.get(i);
            RuntimeCommand.Answer a = answers.get(i);
            String be = op.backend();
            String name = op.server().name();
            String id = be + "/" + name;
            switch (op.kind()) {
                case ADD -> {
                    if (!a.ok()) {
                        failedAdds.add(id);
                        remove(be, servers.getOrDefault(be, new HashMap<>()), name);
                        report.accept(() -> events.runtimeFailed(a.command().verb(), a.command().text(), a.describe()));
                        String keyword = a.notDynamicKeyword();
                        if (keyword != null) {
                            keywords.learn(keyword);
                            readmit.accept(op.service());
                        } else {
                            failed.accept("a runtime command for '" + op.service() + "' failed");
                        }
                    }
                }
                case ENABLE, HEALTH, WEIGHT, READY -> {
                    if (!a.ok() && !failedAdds.contains(id)) {
                        report.accept(() -> events.runtimeFailed(a.command().verb(), a.command().text(), a.describe()));
                        failed.accept("a runtime command for '" + op.service() + "' failed");
                    }
                }
                case MAINT -> {
                    if (a.noSuchServer()) {
                        drains.remove(be, name);
                    } else if (!a.ok()) {
                        report.accept(() -> events.runtimeFailed(a.command().verb(), a.command().text(), a.describe()));
                        failed.accept("a runtime command for '" + op.service() + "' failed");
                    }
                }
                case BACKEND_ID -> {
                    Integer beId = a.ok() ? backendId(a.text()) : null;
                    if (beId != null) {
                        backendIds.put(be, beId);
                        idle = true; // poll at once
                    } else {
                        log.warn("haproxy backend {}: its id is not understood: {}", be, a.describe());
                    }
                }
                case POLL -> {
                    DrainTracker.Drain d = drains.get(be, name);
                    long load = a.ok() ? DrainTracker.load(a.text()) : -1;
                    if (d == null) {
                        continue;
                    }
                    if (load == DrainTracker.GONE) {
                        drains.remove(be, name);
                        changed.accept(op.service(), name);
                    } else if (load == 0) {
                        d.idle = true;
                        idle = true;
                    } else if (load < 0) {
                        log.warn("haproxy server {} drains; its load is not understood: {}", id, a.describe());
                    }
                }
                case SHUTDOWN -> {
                    if (!a.ok()) {
                        log.warn("haproxy server {} drain: {}", id, a.describe());
                    }
                }
                case DELETE -> {
                    if (a.ok() || a.noSuchServer()) {
                        drains.remove(be, name);
                        changed.accept(op.service(), name);
                    } else {
                        DrainTracker.Drain d = drains.get(be, name);
                        if (d != null) {
                            d.idle = false;
                        }
                        log.info("haproxy server {} not deleted yet: {}", id, a.describe());
                    }
                }
                default -> throw new IllegalStateException("unknown step " + op.kind());
            }
        }
        return idle;
    }
}
