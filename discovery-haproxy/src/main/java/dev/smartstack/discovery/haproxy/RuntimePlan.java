package dev.smartstack.discovery.haproxy;

import java.util.ArrayList;
import java.util.List;

/**
 * The runtime commands of one pass, each with what it is for, in the order they are sent over
 * one connection. Built under the lock; sent outside it.
 */
final class RuntimePlan {
    /** What a command does for the reconciler, so that its answer can be applied. */
    enum Kind { ADD, ENABLE, HEALTH, WEIGHT, READY, MAINT, BACKEND_ID, POLL, SHUTDOWN, DELETE }

    /** One command of the plan. */
    record Op(Kind kind, String service, String backend, ConfigRenderer.Server server, RuntimeCommand command) {
    }

    final List<Op> ops = new ArrayList<>();

    void add(Kind kind, String service, String backend, ConfigRenderer.Server server, RuntimeCommand command) {
        ops.add(new Op(kind, service, backend, server, command));
    }

    boolean isEmpty() {
        return ops.isEmpty();
    }

    List<RuntimeCommand> commands() {
        List<RuntimeCommand> out = new ArrayList<>(ops.size());
        for (Op op : ops) {
            out.add(op.command());
        }
        return out;
    }
}
