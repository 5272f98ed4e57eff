package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.Validation;
import dev.smartstack.discovery.core.ZooKeeperSettings;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code multi} discovery method (Ruby Synapse's multi watcher): several named watchers, each
 * a {@link WatchedService} of its own method ({@code zookeeper}, {@code zookeeper_poll}, {@code dns}
 * or {@code base}), combined by a resolver:
 * <ul>
 *   <li>{@link Resolver#UNION}: the backends of every watcher, the first of equal backends (same
 *       name, host and port) kept; live when any watcher is live.
 *   <li>{@link Resolver#SEQUENTIAL}: the backends of the first watcher in {@code sequential_order}
 *       that is live and has backends; when none is, the first watcher's.
 * </ul>
 * A ZooKeeper watcher has its own {@link ZooKeeperSettings}, hence its own client. Immutable;
 * built with {@link #builder()}.
 */
public final class MultiDiscovery {
    /** How the watchers' backends are combined: Ruby's {@code resolver.method}. */
    public enum Resolver {
        UNION,
        SEQUENTIAL
    }

    /**
     * One watcher of a multi service.
     *
     * @param name its name in {@code watchers}
     * @param service what it watches and how
     * @param zooKeeper its ZooKeeper settings, present exactly when its method uses ZooKeeper
     */
    public record Watcher(String name, WatchedService service, Optional<ZooKeeperSettings> zooKeeper) {
        public Watcher {
            Objects.requireNonNull(name, "name == null");
            Objects.requireNonNull(service, "service == null");
            Objects.requireNonNull(zooKeeper, "zooKeeper == null");
        }
    }

    private final Map<String, Watcher> watchers;
    private final Resolver resolver;
    private final List<String> order;

    private MultiDiscovery(Builder b) {
        this.watchers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.watchers));
        this.resolver = b.resolver;
        this.order = b.order == null ? List.copyOf(b.watchers.keySet()) : List.copyOf(b.order);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The watchers by name, in the order they were added. */
    public Map<String, Watcher> watchers() {
        return watchers;
    }

    public Resolver resolver() {
        return resolver;
    }

    /** The order the sequential resolver tries the watchers in; for union, the order they were added. */
    public List<String> order() {
        return order;
    }

    @Override
    public String toString() {
        return "MultiDiscovery{" + resolver + " of " + order + "}";
    }

    /** Builds a {@link MultiDiscovery}: at least one watcher and a resolver are required. */
    public static final class Builder {
        private final Map<String, Watcher> watchers = new LinkedHashMap<>();
        private Resolver resolver;
        private List<String> order;

        private Builder() {
        }

        /** A watcher of method {@code dns}, {@code base} (or {@code zookeeper} with {@link #watcher(String, WatchedService, ZooKeeperSettings)}). */
        public Builder watcher(String name, WatchedService service) {
            return add(new Watcher(name, service, Optional.empty()));
        }

        /** A watcher of method {@code zookeeper} or {@code zookeeper_poll}, with its own client settings. */
        public Builder watcher(String name, WatchedService service, ZooKeeperSettings zooKeeper) {
            return add(new Watcher(name, service, Optional.of(Objects.requireNonNull(zooKeeper, "zooKeeper == null"))));
        }

        private Builder add(Watcher w) {
            if (!Validation.isValidName(w.name())) {
                throw new IllegalArgumentException("watcher name must be 1 to " + Validation.MAX_NAME_LENGTH
                        + " characters of [A-Za-z0-9._:@-] but was " + Validation.quote(w.name()));
            }
            WatchedService.Method m = w.service().method();
            if (m == WatchedService.Method.MULTI) {
                throw new IllegalArgumentException("watcher '" + w.name() + "' is itself a multi watcher, which is not supported");
            }
            if (m.usesZooKeeper() != w.zooKeeper().isPresent()) {
                throw new IllegalArgumentException("watcher '" + w.name() + "' of method " + m
                        + (m.usesZooKeeper() ? " needs ZooKeeper settings" : " takes no ZooKeeper settings"));
            }
            if (watchers.putIfAbsent(w.name(), w) != null) {
                throw new IllegalArgumentException("watcher '" + w.name() + "' is configured twice");
            }
            return this;
        }

        /** Union of every watcher's backends (Ruby's {@code union} resolver). */
        public Builder union() {
            this.resolver = Resolver.UNION;
            this.order = null;
            return this;
        }

        /**
         * The first live watcher with backends, tried in {@code order}, which must name every
         * watcher once (Ruby's {@code sequential} resolver and its {@code sequential_order}).
         */
        public Builder sequential(List<String> order) {
            Objects.requireNonNull(order, "sequentialOrder == null");
            this.resolver = Resolver.SEQUENTIAL;
            this.order = List.copyOf(order);
            return this;
        }

        /**
         * Checks the settings.
         *
         * @throws IllegalArgumentException naming what is missing or wrong
         */
        public MultiDiscovery build() {
            if (watchers.isEmpty()) {
                throw new IllegalArgumentException("multi discovery needs at least one watcher");
            }
            if (resolver == null) {
                throw new IllegalArgumentException("multi discovery needs a resolver: union() or sequential(order)");
            }
            if (resolver == Resolver.SEQUENTIAL) {
                Set<String> named = new HashSet<>();
                List<String> missing = new ArrayList<>(watchers.keySet());
                for (String w : order) {
                    if (!watchers.containsKey(w)) {
                        throw new IllegalArgumentException("sequential_order names watcher " + Validation.quote(w)
                                + ", which is not among the watchers " + watchers.keySet());
                    }
                    if (!named.add(w)) {
                        throw new IllegalArgumentException("sequential_order names watcher " + Validation.quote(w) + " twice");
                    }
                    missing.remove(w);
                }
                if (!missing.isEmpty()) {
                    throw new IllegalArgumentException("sequential_order must name every watcher but lacks " + missing);
                }
            }
            return new MultiDiscovery(this);
        }
    }
}
