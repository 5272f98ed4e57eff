package dev.smartstack.discovery.benchmarks;

import java.util.Map;

/**
 * What a watcher must hold after one write, sent from {@link WatchRace} to a {@link WatcherMain}
 * as one line before the write is made, so that the watcher can note the moment it holds it:
 * <ul>
 *   <li>{@code JOIN name port}: an instance {@code name} on {@code port};
 *   <li>{@code LEAVE znode}: no instance at child {@code znode};
 *   <li>{@code DATA znode port}: the instance at {@code znode} on {@code port};
 *   <li>{@code REPLACE znode name port}: nothing at {@code znode} and {@code name} on {@code port}
 *       (a path-encoded data change, which re-creates the node under a new name);
 *   <li>{@code VIEW size hash}: exactly the writer's model, {@link #hash} summed over it, and live.
 * </ul>
 */
record Expectation(Kind kind, String znode, String name, int port, int size, long hash) {

    enum Kind {
        JOIN, LEAVE, DATA, REPLACE, VIEW
    }

    /** A watcher's view, as the expectations ask about it. */
    interface View {
        boolean hasZnode(String znode);

        /** The port of the instance at {@code znode}, or -1. */
        int portOf(String znode);

        boolean hasName(String name, int port);

        int size();

        /** {@link #hash} summed over every instance. */
        long hash();

        /** Whether the watcher considers its view current (always true for ServiceCache). */
        boolean live();
    }

    static Expectation join(String name, int port) {
        return new Expectation(Kind.JOIN, "-", name, port, 0, 0);
    }

    static Expectation leave(String znode) {
        return new Expectation(Kind.LEAVE, znode, "-", 0, 0, 0);
    }

    static Expectation data(String znode, int port) {
        return new Expectation(Kind.DATA, znode, "-", port, 0, 0);
    }

    static Expectation replace(String znode, String name, int port) {
        return new Expectation(Kind.REPLACE, znode, name, port, 0, 0);
    }

    static Expectation view(Map<String, Integer> ports) {
        long sum = 0;
        for (Map.Entry<String, Integer> e : ports.entrySet()) {
            sum += hash(e.getKey(), e.getValue());
        }
        return new Expectation(Kind.VIEW, "-", "-", 0, ports.size(), sum);
    }

    /** One instance's share of a view's hash: order-independent when summed. */
    static long hash(String znode, int port) {
        long h = znode.hashCode() * 0x9E3779B97F4A7C15L + port;
        h ^= h >>> 33;
        h *= 0xC2B2AE3D27D4EB4FL;
        return h ^ (h >>> 29);
    }

    boolean test(View v) {
        return switch (kind) {
            case JOIN -> v.hasName(name, port);
            case LEAVE -> !v.hasZnode(znode);
            case DATA -> v.portOf(znode) == port;
            case REPLACE -> !v.hasZnode(znode) && v.hasName(name, port);
            case VIEW -> v.live() && v.size() == size && v.hash() == hash;
        };
    }

    String line() {
        return kind + " " + znode + " " + name + " " + port + " " + size + " " + hash;
    }

    static Expectation parse(String line) {
        String[] f = line.trim().split(" ");
        if (f.length != 6) {
            throw new IllegalArgumentException("expectation must have 6 fields but was " + line);
        }
        return new Expectation(Kind.valueOf(f[0]), f[1], f[2], Integer.parseInt(f[3]), Integer.parseInt(f[4]),
                Long.parseLong(f[5]));
    }
}
