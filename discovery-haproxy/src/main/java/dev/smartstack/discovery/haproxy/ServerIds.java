package dev.smartstack.discovery.haproxy;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Stable server ids of one backend, keyed by the server's name (HAProxy's identity of a server),
 * so that two znodes rendering the same server, or a Nerve registering again under a new znode,
 * keep the id. An id is never handed to another name while HAProxy may still hold a server with
 * it ({@code present}: the applied and draining servers). Pure; not thread-safe.
 */
final class ServerIds {
    private final Map<String, Integer> ids = new HashMap<>();
    private final BitSet used = new BitSet();

    /**
     * The id of {@code name}, allocating the lowest free one in [1, max]; null when none is free.
     *
     * @param present the ids of the servers HAProxy still holds, by name
     */
    Integer idFor(String name, int max, Map<String, Integer> present) {
        Integer id = ids.get(name);
        if (id != null) {
            return id;
        }
        Integer inHaproxy = present.get(name);
        if (inHaproxy != null && !used.get(inHaproxy)) {
            assign(name, inHaproxy);
            return inHaproxy;
        }
        BitSet taken = (BitSet) used.clone();
        for (Map.Entry<String, Integer> e : present.entrySet()) {
            if (!e.getKey().equals(name)) {
                taken.set(e.getValue());
            }
        }
        int next = taken.nextClearBit(1);
        if (next > max) {
            return null;
        }
        assign(name, next);
        return next;
    }

    private void assign(String name, int id) {
        ids.put(name, id);
        used.set(id);
    }

    /** Releases the ids of names not in {@code keep}. */
    void retain(Set<String> keep) {
        for (Iterator<Map.Entry<String, Integer>> it = ids.entrySet().iterator(); it.hasNext();) {
            Map.Entry<String, Integer> e = it.next();
            if (!keep.contains(e.getKey())) {
                used.clear(e.getValue());
                it.remove();
            }
        }
    }
}
