package dev.smartstack.discovery.haproxy;

import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.core.Validation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import dev.smartstack.discovery.synapse.ServiceSnapshot;

/**
 * Decides which instances of a snapshot become HAProxy servers, and how: the
 * {@code haproxy_server_options} whitelist, the keywords the running HAProxy takes at run time,
 * server names, stable ids and cookies. Two znodes that render the same server become one server.
 * Pure apart from the service's id table; guarded by the output's lock.
 */
final class Admission {
    /** One instance left out, and why. */
    record Refusal(ServiceInstance instance, String reason) {
    }

    /** The servers by name, in snapshot order, and the instances left out. */
    record Result(Map<String, ConfigRenderer.Server> servers, List<Refusal> refusals) {
    }

    private final boolean useNerveWeights;
    private final int maxServerId;
    private final boolean runtimeManaged;
    private final RuntimeKeywords keywords;

    /**
     * @param runtimeManaged whether membership changes go over the runtime API: then options that
     *     {@code add server} refuses refuse the instance instead of forcing a reload for everyone
     */
    Admission(boolean useNerveWeights, int maxServerId, boolean runtimeManaged, RuntimeKeywords keywords) {
        this.useNerveWeights = useNerveWeights;
        this.maxServerId = maxServerId;
        this.runtimeManaged = runtimeManaged;
        this.keywords = keywords;
    }

    /**
     * Admits the instances of one snapshot.
     *
     * @param present the ids of the servers HAProxy still holds for this backend, by name
     */
    Result admit(DesiredService st, List<ServiceInstance> backends, Map<String, Integer> present) {
        return admit(st, backends, ServerIds.Held.of(present));
    }

    /**
     * Admits the instances of one snapshot, all of them (the first snapshot, or after a reload, a
     * resync or a config change): O(servers).
     *
     * @param present the ids HAProxy still holds for this backend
     */
    Result admit(DesiredService st, List<ServiceInstance> backends, ServerIds.Held present) {
        int size = backends.size() * 4 / 3 + 1;
        Map<String, ConfigRenderer.Server> out = new LinkedHashMap<>(size);
        Map<String, Checked> owners = new HashMap<>(size);
        List<Refusal> refusals = new ArrayList<>();
        List<Checked> kept = new ArrayList<>(backends.size());
        Map<String, Checked> checked = new HashMap<>(size);
        for (ServiceInstance i : backends) {
            String key = i.key();
            Checked c = st.checked.get(key);
            if (c == null || c.instance != i && !c.instance.equals(i)) {
                c = check(st, i);
            }
            checked.put(key, c);
            if (claims(st, c, owners, refusals)) {
                kept.add(c);
                out.put(c.name, null);
            }
        }
        st.checked = checked;
        st.groups.clear();
        for (Checked c : checked.values()) {
            st.groups.computeIfAbsent(c.name, k -> new HashMap<>(2)).put(c.instance.key(), c);
        }
        st.ids.retain(owners.keySet());
        for (Checked c : kept) {
            ConfigRenderer.Server server = server(st, c, present, refusals);
            if (server == null) {
                out.remove(c.name);
            } else {
                out.put(c.name, server);
            }
        }
        out.values().removeIf(s -> s == null);
        return new Result(out, refusals);
    }

    /**
     * Whether an instance claims its server name: false when it is refused (added to
     * {@code refusals}) or is the same server as the name's earlier owner. {@code owners} is taken
     * in snapshot order.
     */
    private boolean claims(DesiredService st, Checked c, Map<String, Checked> owners, List<Refusal> refusals) {
        ServiceInstance i = c.instance;
        if (c.refusal != null) {
            refusals.add(new Refusal(i, c.refusal));
            return false;
        }
        String notDynamic = runtimeManaged ? keywords.firstRefused(c.fromZk) : null;
        if (notDynamic != null) {
            refusals.add(new Refusal(i, "haproxy_server_options keyword '" + notDynamic
                    + "' is not accepted by this HAProxy's 'add server' (it would cost every backend a reload)"));
            return false;
        }
        if (usesNerveWeights(st) && i.weight().isPresent() && i.weight().getAsInt() > Validation.MAX_WEIGHT) {
            refusals.add(new Refusal(i, "weight must be in [0, " + Validation.MAX_WEIGHT + "] but was "
                    + i.weight().getAsInt()));
            return false;
        }
        Checked owner = owners.putIfAbsent(c.name, c);
        if (owner != null) {
            if (!(owner.instance.address().equals(i.address()) && owner.all.equals(c.all))) {
                refusals.add(new Refusal(i, "server " + c.name + " is already registered by znode "
                        + owner.instance.key() + " with another address or options"));
            } // else the same server under another znode: one HAProxy server
            return false;
        }
        return true;
    }

    /** The service's {@code use_nerve_weights}, else the output's. */
    private boolean usesNerveWeights(DesiredService st) {
        return st.config.useNerveWeights() != null ? st.config.useNerveWeights() : useNerveWeights;
    }

    /** The server of a name's owner with its stable id, or null (refused: no free id, or an unsafe line). */
    private ConfigRenderer.Server server(DesiredService st, Checked c, ServerIds.Held present, List<Refusal> refusals) {
        ServiceInstance i = c.instance;
        String name = c.name;
        Integer id = st.ids.idFor(name, maxServerId, present);
        if (id == null) {
            refusals.add(new Refusal(i, "no free server id in [1, " + maxServerId + "]"));
            return null;
        }
        Integer weight = usesNerveWeights(st) && i.weight().isPresent() ? i.weight().getAsInt() : null;
        String cookie = ConfigRenderer.cookieValue(st.config.cookieValueMethod(), name);
        ConfigRenderer.Server server = new ConfigRenderer.Server(i.key(), name, i.address(), id, cookie, weight,
                c.all, c.shape);
        ConfigRenderer.Server previous = st.servers.get(name);
        if (previous != null && previous.equals(server)) {
            return previous; // checked when it was made
        }
        try {
            server.line(true);
        } catch (IllegalStateException e) {
            refusals.add(new Refusal(i, e.getMessage()));
            return null;
        }
        return server;
    }

    /**
     * What admitting a delta changed.
     *
     * @param servers by name, each touched server's new form, or null where it is no longer a server
     * @param refusals the touched instances left out
     * @param keys every znode whose admission was decided again (its refusal, if any, is in refusals)
     */
    record Delta(Map<String, ConfigRenderer.Server> servers, List<Refusal> refusals, java.util.Set<String> keys) {
    }

    /**
     * Admits the changes of one snapshot relative to the one admitted last: only the server names
     * they touch are decided again (with every znode of such a name, in snapshot order, so that two
     * znodes rendering the same server stay one server). O(changes), not O(servers); updates the
     * service's per-znode table and ids but not its servers (the caller applies {@link Delta#servers}).
     */
    Delta admitChanges(DesiredService st, List<ServiceInstance> removed, List<ServiceInstance> upserts,
            ServerIds.Held present) {
        java.util.Set<String> names = new java.util.LinkedHashSet<>();
        java.util.Set<String> keys = new java.util.HashSet<>();
        for (ServiceInstance i : removed) {
            keys.add(i.key());
            Checked c = st.checked.remove(i.key());
            if (c != null) {
                names.add(c.name);
                ungroup(st, c.name, i.key());
            }
        }
        for (ServiceInstance i : upserts) {
            String key = i.key();
            keys.add(key);
            Checked old = st.checked.get(key);
            Checked c = old != null && (old.instance == i || old.instance.equals(i)) ? old : check(st, i);
            if (old != null) {
                names.add(old.name);
                ungroup(st, old.name, key);
            }
            st.checked.put(key, c);
            names.add(c.name);
            st.groups.computeIfAbsent(c.name, k -> new HashMap<>(2)).put(key, c);
        }
        Map<String, ConfigRenderer.Server> out = new LinkedHashMap<>();
        List<Refusal> refusals = new ArrayList<>();
        List<String> released = new ArrayList<>();
        for (String name : names) {
            Map<String, Checked> group = st.groups.getOrDefault(name, Map.of());
            List<Checked> ordered = new ArrayList<>(group.values());
            ordered.sort((a, b) -> ServiceSnapshot.ORDER.compare(a.instance, b.instance));
            Map<String, Checked> owners = new HashMap<>(2);
            Checked owner = null;
            for (Checked c : ordered) {
                keys.add(c.instance.key());
                if (claims(st, c, owners, refusals)) {
                    owner = c;
                }
            }
            ConfigRenderer.Server server = owner == null ? null : server(st, owner, present, refusals);
            if (owner == null) {
                released.add(name); // after the new names took theirs: HAProxy may still hold it
            }
            ConfigRenderer.Server previous = st.servers.get(name);
            if (server != previous) {
                out.put(name, server);
            }
        }
        for (String name : released) {
            st.ids.release(name);
        }
        return new Delta(out, refusals, keys);
    }

    private static void ungroup(DesiredService st, String name, String key) {
        Map<String, Checked> g = st.groups.get(name);
        if (g != null) {
            g.remove(key);
            if (g.isEmpty()) {
                st.groups.remove(name);
            }
        }
    }

    /** What does not depend on the other instances, kept per znode until its data changes. */
    record Checked(ServiceInstance instance, String name, String fromZk, String all, String shape, String refusal) {
    }

    private static Checked check(DesiredService st, ServiceInstance i) {
        String name = ConfigRenderer.serverName(i.name(), i.host(), i.port());
        try {
            String fromZk = i.haproxyServerOptions().map(ServerOptionsPolicy::check).orElse("");
            String all = (ConfigRenderer.substitute(st.config.serverOptions(), i.host(), i.port(), i.name()) + " "
                    + fromZk).strip();
            ServerOptionsPolicy.checkCombination(fromZk, all);
            return new Checked(i, name, fromZk, all, st.config.serverOptions() + "\u0000" + fromZk, null);
        } catch (IllegalArgumentException e) {
            return new Checked(i, name, "", "", "", e.getMessage());
        }
    }
}
