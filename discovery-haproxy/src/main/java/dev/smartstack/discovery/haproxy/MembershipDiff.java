package dev.smartstack.discovery.haproxy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The difference between the servers a backend should have and those HAProxy has, as runtime
 * operations. Servers are compared by name: two znodes that render the same server are one
 * server, so one of them leaving changes nothing. Pure.
 *
 * @param adds servers to {@code add server}
 * @param removes servers to put into maintenance and drain before {@code del server}
 * @param reweights servers whose weight alone changed
 * @param revives draining servers that are wanted again, rendering the same: made ready again
 * @param deferred servers whose name HAProxy still holds in another form (draining or being
 *     replaced): added once that server is deleted
 */
record MembershipDiff(List<ConfigRenderer.Server> adds, List<ConfigRenderer.Server> removes,
        List<ConfigRenderer.Server> reweights, List<ConfigRenderer.Server> revives, List<ConfigRenderer.Server> deferred) {

    boolean isEmpty() {
        return adds.isEmpty() && removes.isEmpty() && reweights.isEmpty() && revives.isEmpty();
    }

    static MembershipDiff of(Map<String, ConfigRenderer.Server> desired, Map<String, ConfigRenderer.Server> applied,
            Map<String, ConfigRenderer.Server> draining) {
        List<ConfigRenderer.Server> adds = new ArrayList<>();
        List<ConfigRenderer.Server> removes = new ArrayList<>();
        List<ConfigRenderer.Server> reweights = new ArrayList<>();
        List<ConfigRenderer.Server> revives = new ArrayList<>();
        List<ConfigRenderer.Server> deferred = new ArrayList<>();
        for (ConfigRenderer.Server old : applied.values()) {
            ConfigRenderer.Server now = desired.get(old.name());
            if (now == null) {
                removes.add(old);
            } else if (now.rendersAs(old)) {
                continue;
            } else if (sameButWeight(now, old) && now.weight() != null) {
                reweights.add(now);
            } else {
                removes.add(old);
                deferred.add(now);
            }
        }
        for (ConfigRenderer.Server now : desired.values()) {
            if (applied.containsKey(now.name())) {
                continue;
            }
            ConfigRenderer.Server gone = draining.get(now.name());
            if (gone == null) {
                adds.add(now);
            } else if (sameButWeight(now, gone) && (now.weight() != null || gone.weight() == null)) {
                revives.add(now);
            } else {
                deferred.add(now);
            }
        }
        return new MembershipDiff(adds, removes, reweights, revives, deferred);
    }

    /** Equal in everything HAProxy cannot change at run time: all but the weight (and the znode). */
    static boolean sameButWeight(ConfigRenderer.Server a, ConfigRenderer.Server b) {
        return a.name().equals(b.name()) && a.address().equals(b.address()) && a.id() == b.id()
                && Objects.equals(a.cookie(), b.cookie()) && a.options().equals(b.options());
    }
}
