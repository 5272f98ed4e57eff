package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.ServiceInstance;
import java.util.List;

/**
 * A snapshot's changes in a few words for the log: {@code +2 (10.0.0.1:8080, 10.0.0.2:8080) -1
 * (10.0.0.3:8080) ~0}, naming at most {@link #NAMED} backends per kind so that the line stays
 * short at any size.
 */
final class MembershipLine {
    static final int NAMED = 3;

    private MembershipLine() {
    }

    static String of(ServiceSnapshot s) {
        StringBuilder b = new StringBuilder();
        part(b, '+', s.added());
        b.append(' ');
        part(b, '-', s.removed());
        b.append(' ');
        part(b, '~', s.changed());
        if (!s.live()) {
            b.append(" (stale)");
        }
        return b.toString();
    }

    private static void part(StringBuilder b, char sign, List<ServiceInstance> list) {
        b.append(sign).append(list.size());
        if (list.isEmpty()) {
            return;
        }
        b.append(" (");
        for (int i = 0; i < Math.min(NAMED, list.size()); i++) {
            ServiceInstance in = list.get(i);
            b.append(i == 0 ? "" : ", ").append(in.host().indexOf(':') >= 0 ? "[" + in.host() + "]" : in.host())
                    .append(':').append(in.port());
        }
        if (list.size() > NAMED) {
            b.append(", ... ").append(list.size() - NAMED).append(" more");
        }
        b.append(')');
    }
}
