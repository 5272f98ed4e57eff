package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.DiscoveryMetrics;
import java.util.List;

/**
 * A discovery method that reports a service's whole list of backends at a time, to the service's
 * {@link ServiceWatch#report}: {@code dns} ({@link DnsSource}), {@code multi} ({@link MultiSource})
 * and {@code base} (the default servers alone). The service's {@link ServiceWatch} does the rest,
 * as for the ZooKeeper methods: label filters, the port override, default servers, previous
 * backends, leader election, snapshots, outputs and the state file. A method is a small class: it
 * resolves, then reports; it never builds a snapshot.
 */
interface ListSource {
    /** Starts discovering; returns at once. */
    void start();

    /** Stops; later reports are not made. Idempotent. */
    void close();

    /**
     * The source of {@code watch}'s service, whose method does not use the watcher's ZooKeeper
     * client; {@code owner} gets the refusals of a multi service's watchers.
     */
    static ListSource of(ServiceWatch watch, DiscoveryMetrics metrics, SynapseWatcher owner) {
        WatchedService s = watch.service();
        return switch (s.method()) {
            case DNS -> new DnsSource(watch, s.dns().orElseThrow(), metrics);
            case MULTI -> new MultiSource(watch, s.multi().orElseThrow(), metrics, owner);
            case BASE -> new ListSource() {
                @Override
                public void start() {
                    watch.report(List.of(), true); // nothing discovered: the default servers
                }

                @Override
                public void close() {
                }
            };
            case ZOOKEEPER, ZOOKEEPER_POLL -> throw new IllegalArgumentException(s + " is read through the ZooKeeper link");
        };
    }
}
