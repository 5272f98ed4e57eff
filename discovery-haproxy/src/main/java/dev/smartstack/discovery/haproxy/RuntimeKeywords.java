package dev.smartstack.discovery.haproxy;

import java.util.Collections;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which server keywords the running HAProxy's {@code add server} refuses ("'non-stick' option is
 * not accepted for dynamic server"). Starts from what HAProxy 2.6 is known to refuse among the
 * whitelisted keywords and learns every further one from the runtime API's own answer, so a
 * keyword costs at most one failed command, never a reload per change. Thread-safe.
 */
final class RuntimeKeywords {
    /** Whitelisted keywords that HAProxy 2.6's {@code add server} refuses (checked against 2.6.12). */
    static final Set<String> REFUSED_BY_26 = Set.of("non-stick", "no-check");

    private final Set<String> refused = ConcurrentHashMap.newKeySet();

    RuntimeKeywords() {
        refused.addAll(REFUSED_BY_26);
    }

    /** Records a keyword the running HAProxy refused for a dynamic server; true if it is new. */
    boolean learn(String keyword) {
        return refused.add(keyword);
    }

    /** The first keyword of {@code options} (space-separated) that {@code add server} refuses, or null. */
    String firstRefused(String options) {
        if (options.isEmpty()) {
            return null;
        }
        for (String t : options.split(" ")) {
            if (refused.contains(t)) {
                return t;
            }
        }
        return null;
    }

    Set<String> refused() {
        return Collections.unmodifiableSet(refused);
    }
}
