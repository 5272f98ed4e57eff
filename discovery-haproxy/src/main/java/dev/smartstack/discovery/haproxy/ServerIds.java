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

    /** The server ids HAProxy still holds for one backend (its applied and draining servers). */
    interface Held {
        /** The id HAProxy holds for this name, or null. */
        Integer idOf(String name);

        /** Whether HAProxy holds this id for a server with another name. */
        boolean heldByOther(int id, String name);

        /** Nothing is held (no runtime API: a reload replaces every server at once). */
        Held NONE = new Held() {
            @Override
            public Integer idOf(String name) {
                return null;
            }

            @Override
            public boolean heldByOther(int id, String name) {
                return false;
            }
        };

        /** The held ids of a map, by name (scanned: for tests and small maps). */
        static Held of(Map<String, Integer> present) {
            return new Held() {
                @Override
                public Integer idOf(String name) {
                    return present.get(name);
                }

                @Override
                public boolean heldByOther(int id, String name) {
                    for (Map.Entry<String, Integer> e : present.entrySet()) {
                        if (e.getValue() == id && !e.getKey().equals(name)) {
                            return true;
                        }
                    }
                    return false;
                }
            };
        }
    }

    /**
     * The id of {@code name}, allocating the lowest free one in [1, max]; null when none is free.
     *
     * @param present the ids of the servers HAProxy still holds, by name
     */
    Integer idFor(String name, int max, Map<String, Integer> present) {
        return idFor(name, max, Held.of(present));
    }

    /**
     * The id of {@code name}, allocating the lowest id in [1, max] that neither another name here
     * nor another server in HAProxy holds; null when none is free. Costs the number of ids skipped,
     * not the number of servers.
     */
    Integer idFor(String name, int max, Held held) {
        Integer id = ids.get(name);
        if (id != null) {
            return id;
        }
        Integer inHaproxy = held.idOf(name);
        if (inHaproxy != null && !used.get(inHaproxy)) {
            assign(name, inHaproxy);
            return inHaproxy;
        }
        int next = used.nextClearBit(1);
        while (next <= max && held.heldByOther(next, name)) {
            next = used.nextClearBit(next + 1);
        }
        if (next > max) {
            return null;
        }
        assign(name, next);
        return next;
    }

    /** Releases the id of one name (no longer a server). */
    void release(String name) {
        Integer id = ids.remove(name);
        if (id != null) {
            used.clear(id);
        }
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
