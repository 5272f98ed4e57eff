package dev.smartstack.discovery.benchmarks;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * One round of {@link WatchRace} for one watcher in a fresh JVM, behind its own
 * {@link CountingProxy}: cold start, warm-up, then {@code cycles} rounds of join, data change and
 * leave 20–80 ms apart, then a 3 s connection drop and a session expiry with changes made during
 * each, then the retained heap. Every wait is bounded.
 */
final class RaceRound {
    private static final Duration CHANGE_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration START_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(60);

    private final String zkConnect;
    private final int zkPort;
    private final RaceWriter writer;
    private final RaceFormat format;
    private final String side;
    private final int round;
    private final Path workDir;
    private final Duration outage;
    private final Duration resyncTimeout;
    private final ServerCounter server;
    private final Random random;
    private final RoundResult result = new RoundResult();
    private int outages;

    RaceRound(String zkConnect, int zkPort, RaceWriter writer, RaceFormat format, String side, int round, Path workDir,
            WatchRace.Options options, ServerCounter server) {
        this.outage = options.outage();
        this.resyncTimeout = options.resyncTimeout();
        this.server = server;
        this.zkConnect = zkConnect;
        this.zkPort = zkPort;
        this.writer = writer;
        this.format = format;
        this.side = side;
        this.round = round;
        this.workDir = workDir;
        this.random = new Random(round * 7919L + side.hashCode());
    }

    RoundResult run(int warmup, int cycles) throws Exception {
        Path log = workDir.resolve(fileName("") + ".log");
        try (CountingProxy proxy = new CountingProxy(zkPort);
                WatcherProcess w = new WatcherProcess(side, proxy.connectString(), writer.path(),
                        format.decodeMethod(), log)) {
            w.await("CONNECTED", START_TIMEOUT);
            result.heapBaseline.add(Long.parseLong(w.ask("HEAP", "HEAP", ANSWER_TIMEOUT)));
            checkClock(w);
            String session = w.ask("SESSION", "SESSION", ANSWER_TIMEOUT).split(" ")[0];
            CountingProxy.Counts before = proxy.counts();
            long server0 = server.packetsReceived(session).orElse(-1);
            String[] ready = w.ask("START", "READY", START_TIMEOUT).split(" ");
            CountingProxy.Counts cold = proxy.counts().minus(before);
            check("cold start", session, server0, cold);
            result.coldNanos.add(Long.parseLong(ready[0]));
            result.initialSize = Integer.parseInt(ready[1]);
            result.coldRequests.add(cold.requests());
            result.coldBreakdown.add(cold.breakdown());
            for (int i = 0; i < warmup; i++) {
                cycle(w, proxy, "w" + round + "_" + i, false);
            }
            long cpu0 = Long.parseLong(w.ask("CPU", "CPU", ANSWER_TIMEOUT));
            CountingProxy.Counts measured = proxy.counts();
            long server1 = server.packetsReceived(session).orElse(-1);
            int changesBefore = result.changes();
            for (int i = 0; i < cycles; i++) {
                cycle(w, proxy, "e" + round + "_" + i, true);
            }
            check("changes", session, server1, proxy.counts().minus(measured));
            long cpu1 = Long.parseLong(w.ask("CPU", "CPU", ANSWER_TIMEOUT));
            int changes = result.changes() - changesBefore;
            if (changes > 0) {
                result.cpuPerChange.add((cpu1 - cpu0) / changes);
            }
            result.heapWithView.add(Long.parseLong(w.ask("HEAP", "HEAP", ANSWER_TIMEOUT)));
            result.drops.add(resync(w, proxy, false));
            result.expiries.add(resync(w, proxy, true));
        }
        return result;
    }

    private void check(String window, String session, long serverBefore, CountingProxy.Counts wire) {
        long serverAfter = server.packetsReceived(session).orElse(-1);
        long serverDelta = serverBefore < 0 || serverAfter < 0 ? -1 : serverAfter - serverBefore;
        result.checks.add(new RoundResult.Check(window, serverDelta, wire.requests() + wire.pings()));
    }

    /** nanoTime is CLOCK_MONOTONIC on Linux: the watcher's reading must fall between two of ours. */
    private void checkClock(WatcherProcess w) {
        long t1 = System.nanoTime();
        long theirs = Long.parseLong(w.ask("CLOCK", "CLOCK", ANSWER_TIMEOUT));
        long t2 = System.nanoTime();
        result.clockChecked &= t1 <= theirs && theirs <= t2;
    }

    private void cycle(WatcherProcess w, CountingProxy proxy, String name, boolean record) throws Exception {
        int port = 20_000 + random.nextInt(20_000);
        CountingProxy.Counts c0 = proxy.counts();
        RaceWriter.Write join = change(w, Expectation.join(name, port), () -> writer.join(name, port),
                record ? result.join : null);
        pause();
        CountingProxy.Counts c1 = proxy.counts();
        int newPort = port + 1;
        String znode = join.znode();
        Expectation dataChange = format.replacesOnDataChange() ? Expectation.replace(znode, name, newPort)
                : Expectation.data(znode, newPort);
        RaceWriter.Write moved = change(w, dataChange, () -> writer.changePort(znode, newPort),
                record ? result.data : null);
        pause();
        CountingProxy.Counts c2 = proxy.counts();
        change(w, Expectation.leave(moved.znode()), () -> writer.leave(moved.znode()), record ? result.leave : null);
        pause();
        CountingProxy.Counts c3 = proxy.counts();
        if (record) {
            result.floor.add(join.roundTripNanos());
            result.joinRequests.add(c1.minus(c0).requests());
            result.dataRequests.add(c2.minus(c1).requests());
            result.leaveRequests.add(c3.minus(c2).requests());
        }
    }

    private interface WriteAction {
        RaceWriter.Write run() throws Exception;
    }

    private RaceWriter.Write change(WatcherProcess w, Expectation e, WriteAction action, List<Long> latencies)
            throws Exception {
        w.drain();
        w.ask("EXPECT " + e.line(), "ARMED", ANSWER_TIMEOUT);
        RaceWriter.Write write = action.run();
        long seen = w.awaitSeen(CHANGE_TIMEOUT);
        if (seen < 0) {
            result.lost++;
        } else if (latencies != null) {
            latencies.add(seen - write.startNanos());
        }
        return write;
    }

    private void pause() throws InterruptedException {
        Thread.sleep(20 + random.nextInt(61));
    }

    /**
     * Cuts the watcher off for the outage (and with {@code expire}, ends its session on the
     * server first), makes changes meanwhile (3 joins, 3 leaves, 3 data changes and one instance
     * deleted and re-created on a new port), then lets it reconnect and times how long, from its reconnection, until
     * its view equals the writer's, counting its requests from then until it is consistent or
     * one outage length has passed, whichever is later.
     */
    private RoundResult.Resync resync(WatcherProcess w, CountingProxy proxy, boolean expire) throws Exception {
        int id = outages++;
        String[] session = expire ? w.ask("SESSION", "SESSION", ANSWER_TIMEOUT).split(" ") : null;
        long cut = System.nanoTime();
        proxy.cut();
        if (expire) {
            RaceWriter.expireSession(zkConnect, Long.parseUnsignedLong(session[0], 16),
                    Base64.getDecoder().decode(session[1]));
        }
        List<String> existing = new ArrayList<>();
        for (Map.Entry<String, RaceWriter.Entry> e : writer.model().entrySet()) {
            if (e.getValue().name().startsWith("i") && existing.size() < 7) {
                existing.add(e.getKey());
            }
        }
        // Named like the existing instances ("i..."), so that later outages can take them: the
        // 3 joins replace the 3 leaves and N stays the same at any N.
        String prefix = "io" + round + "_" + id + "_";
        for (int i = 0; i < 3; i++) {
            writer.join(prefix + i, 40_000 + random.nextInt(10_000));
        }
        for (int i = 0; i < existing.size(); i++) {
            String znode = existing.get(i);
            if (i < 3) {
                writer.leave(znode);
            } else if (i < 6) {
                writer.changePort(znode, 50_000 + random.nextInt(10_000));
            } else {
                String name = writer.model().get(znode).name();
                writer.leave(znode);
                writer.join(name, 60_000 + random.nextInt(5_000));
            }
        }
        Thread.sleep(Math.max(0, (cut + outage.toNanos() - System.nanoTime()) / 1_000_000));
        w.drain();
        w.ask("EXPECT " + Expectation.view(writer.modelPorts()).line(), "ARMED", ANSWER_TIMEOUT);
        CountingProxy.Counts before = proxy.counts();
        long restore = System.nanoTime();
        proxy.restore();
        long seen = w.awaitSeen(resyncTimeout);
        long reconnected = proxy.firstAcceptNanos();
        Thread.sleep(Math.max(0, (restore + outage.toNanos() - System.nanoTime()) / 1_000_000));
        CountingProxy.Counts during = proxy.counts().minus(before);
        List<String> wrong = seen < 0 ? differences(w, fileName("-outage" + id) + ".txt") : List.of();
        long from = reconnected > restore ? reconnected : restore;
        return new RoundResult.Resync(reconnected > restore ? reconnected - restore : -1, seen < 0 ? -1 : seen - from,
                during.requests(), during.breakdown(), wrong);
    }

    /** A file name for this round: {@code race-n1000-curator-bench-synapse-r1<suffix>}. */
    private String fileName(String suffix) {
        return writer.path().substring(1).replace('/', '-') + "-" + side + "-r" + round + suffix;
    }

    /** The instances the watcher's view has wrong (missing, extra, or on a stale port) against ZooKeeper. */
    private List<String> differences(WatcherProcess w, String fileName) throws Exception {
        Path file = workDir.resolve(fileName);
        w.ask("DUMP " + file, "DUMPED", ANSWER_TIMEOUT);
        Map<String, Integer> view = new HashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String[] f = line.split(" ");
            view.put(f[0], Integer.parseInt(f[1]));
        }
        Map<String, Integer> truth = writer.readTruth();
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, Integer> e : truth.entrySet()) {
            Integer seen = view.get(e.getKey());
            if (!e.getValue().equals(seen)) {
                wrong.add(e.getKey() + (seen == null ? " missing" : " on port " + seen + ", not " + e.getValue()));
            }
        }
        for (String z : view.keySet()) {
            if (!truth.containsKey(z)) {
                wrong.add(z + " gone from ZooKeeper but still in the view");
            }
        }
        return wrong;
    }
}
