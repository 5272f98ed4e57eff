package dev.smartstack.discovery.haproxy;

import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.core.Validation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
            if (c.refusal != null) {
                refusals.add(new Refusal(i, c.refusal));
                continue;
            }
            String notDynamic = runtimeManaged ? keywords.firstRefused(c.fromZk) : null;
            if (notDynamic != null) {
                refusals.add(new Refusal(i, "haproxy_server_options keyword '" + notDynamic
                        + "' is not accepted by this HAProxy's 'add server' (it would cost every backend a reload)"));
                continue;
            }
            if (useNerveWeights && i.weight().isPresent() && i.weight().getAsInt() > Validation.MAX_WEIGHT) {
                refusals.add(new Refusal(i, "weight must be in [0, " + Validation.MAX_WEIGHT + "] but was "
                        + i.weight().getAsInt()));
                continue;
            }
            Checked owner = owners.putIfAbsent(c.name, c);
            if (owner != null) {
                if (owner.instance.address().equals(i.address()) && owner.all.equals(c.all)) {
                    continue; // the same server under another znode: one HAProxy server
                }
                refusals.add(new Refusal(i, "server " + c.name + " is already registered by znode "
                        + owner.instance.key() + " with another address or options"));
                continue;
            }
            kept.add(c);
            out.put(c.name, null);
        }
        st.checked = checked;
        st.ids.retain(owners.keySet());
        for (Checked c : kept) {
            ServiceInstance i = c.instance;
            String name = c.name;
            Integer id = st.ids.idFor(name, maxServerId, present);
            if (id == null) {
                out.remove(name);
                refusals.add(new Refusal(i, "no free server id in [1, " + maxServerId + "]"));
                continue;
            }
            Integer weight = useNerveWeights && i.weight().isPresent() ? i.weight().getAsInt() : null;
            String cookie = ConfigRenderer.cookieValue(st.config.cookieValueMethod(), name);
            ConfigRenderer.Server server = new ConfigRenderer.Server(i.key(), name, i.address(), id, cookie, weight,
                    c.all, c.shape);
            ConfigRenderer.Server previous = st.servers.get(name);
            if (previous != null && previous.equals(server)) {
                out.put(name, previous); // checked when it was made
                continue;
            }
            try {
                server.line(true);
            } catch (IllegalStateException e) {
                out.remove(name);
                refusals.add(new Refusal(i, e.getMessage()));
                continue;
            }
            out.put(name, server);
        }
        out.values().removeIf(s -> s == null);
        return new Result(out, refusals);
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
