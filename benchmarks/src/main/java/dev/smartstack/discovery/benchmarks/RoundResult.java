package dev.smartstack.discovery.benchmarks;

import java.util.ArrayList;
import java.util.List;

/** What one {@link RaceRound} measured for one watcher JVM; rounds of the same watcher are merged. */
final class RoundResult {
    /**
     * Resync after an outage: when the watcher reconnected (after the proxy let it through again),
     * then how long until its view equalled the writer's (-1: not within the timeout), its requests,
     * and the instances it had wrong at the end (missing, extra or stale).
     */
    record Resync(long reconnectNanos, long nanos, long requests, String breakdown, List<String> wrong) {
    }

    /**
     * The server's own count of packets received on the watcher's session over a window (its JMX
     * connection bean, {@code cons}' {@code recved}; -1 when unreadable) against the wire count of
     * the same window (requests + pings).
     */
    record Check(String window, long server, long wire) {
    }

    final List<Long> join = new ArrayList<>();
    final List<Long> data = new ArrayList<>();
    final List<Long> leave = new ArrayList<>();
    /** The writer's own create() round trips for the joins: the floor. */
    final List<Long> floor = new ArrayList<>();
    final List<Long> joinRequests = new ArrayList<>();
    final List<Long> dataRequests = new ArrayList<>();
    final List<Long> leaveRequests = new ArrayList<>();
    final List<Long> coldNanos = new ArrayList<>();
    final List<Long> coldRequests = new ArrayList<>();
    final List<String> coldBreakdown = new ArrayList<>();
    final List<Long> heapBaseline = new ArrayList<>();
    final List<Long> heapWithView = new ArrayList<>();
    final List<Long> cpuPerChange = new ArrayList<>();
    final List<Resync> drops = new ArrayList<>();
    final List<Resync> expiries = new ArrayList<>();
    final List<Check> checks = new ArrayList<>();
    /** Changes the watcher did not show within the timeout. */
    int lost;
    boolean clockChecked = true;
    int initialSize = -1;

    void merge(RoundResult o) {
        join.addAll(o.join);
        data.addAll(o.data);
        leave.addAll(o.leave);
        floor.addAll(o.floor);
        joinRequests.addAll(o.joinRequests);
        dataRequests.addAll(o.dataRequests);
        leaveRequests.addAll(o.leaveRequests);
        coldNanos.addAll(o.coldNanos);
        coldRequests.addAll(o.coldRequests);
        coldBreakdown.addAll(o.coldBreakdown);
        heapBaseline.addAll(o.heapBaseline);
        heapWithView.addAll(o.heapWithView);
        cpuPerChange.addAll(o.cpuPerChange);
        drops.addAll(o.drops);
        expiries.addAll(o.expiries);
        checks.addAll(o.checks);
        lost += o.lost;
        clockChecked &= o.clockChecked;
        initialSize = o.initialSize;
    }

    /** Changes measured, of every kind. */
    int changes() {
        return join.size() + data.size() + leave.size();
    }
}
