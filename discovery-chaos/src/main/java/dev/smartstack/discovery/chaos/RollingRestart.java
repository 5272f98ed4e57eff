package dev.smartstack.discovery.chaos;

import static org.awaitility.Awaitility.await;

import dev.smartstack.discovery.testing.ZooKeeperProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A rolling restart under load, the way an operator does it: for each backend in turn, SIGTERM its
 * Nerve agent (it deregisters, then exits), wait until HAProxy has taken the server out of rotation
 * and its last request has finished (drain), stop the backend, start it again on the same port,
 * start its Nerve agent again (it registers once its check passes), and wait until HAProxy sends it
 * traffic again. Rounds repeat while the bounded traffic lasts (at least one full round, at most
 * {@link Options#maxRounds()}); the traffic stops with the last round.
 *
 * <p>With {@link Options#zooKeeperOutage()}, after the first backend's restart ZooKeeper is killed
 * (kill -9), the last backend genuinely fails (answers 500 to its check and its traffic) while
 * ZooKeeper is away, and ZooKeeper comes back after {@link Options#outage()}: the figure is how long
 * that backend kept receiving traffic after ZooKeeper served again. Then it recovers, and the
 * rolling restart goes on.
 *
 * <p>Figures: requests, failures (requests aimed at a healthy backend, or at none, that failed),
 * requests to the failing backend, the longest window in which a healthy backend got no traffic
 * (a backend counts as healthy except from its deregistration until it is registered again, and
 * while it fails), and HAProxy's reloads (the master's {@code show proc}).
 */
public final class RollingRestart {
    private static final Duration WAIT = Duration.ofSeconds(120);

    /** How to run it. */
    public record Options(int backends, long requests, int threads, Duration pause, Duration maxTime,
            int maxRounds, boolean zooKeeperOutage, Duration outage, Duration sessionTimeout) {
        /** CI size: one round (each backend restarted once) under up to 3,000 requests. */
        public static Options ci(boolean zooKeeperOutage) {
            return new Options(3, 3_000, 2, Duration.ofMillis(5), Duration.ofMinutes(4), 1, zooKeeperOutage,
                    Duration.ofSeconds(5), Duration.ofSeconds(6));
        }
    }

    /** What it measured. */
    public record Result(Traffic.Counts counts, int restarts, int rounds, double longestGapSeconds, String longestGapAt,
            int reloads, Optional<Double> failingServedAfterZooKeeperSeconds, long failingRequestsAfterZooKeeper,
            List<String> failures, String log) {
    }

    private final Options options;
    private final Rig rig;
    private final ZooKeeperProcess zk;
    private final Map<Backend, List<long[]>> unhealthy = new HashMap<>();
    private final StringBuilder log = new StringBuilder();

    private RollingRestart(Options options, Rig rig, ZooKeeperProcess zk) {
        this.options = options;
        this.rig = rig;
        this.zk = zk;
        rig.backends().forEach(b -> unhealthy.put(b, new ArrayList<>()));
    }

    /** Runs it against {@code zk} (started, a single server in a child JVM), with its files in {@code dir}. */
    public static Result run(Path dir, ZooKeeperProcess zk, Options options) throws IOException {
        try (Rig rig = Rig.start(dir, zk.connectString(), zk.connectString(), options.backends(), options.sessionTimeout(),
                WAIT)) {
            return new RollingRestart(options, rig, zk).run();
        }
    }

    private void note(String line) {
        log.append(String.format("%8.1f s  %s%n", System.nanoTime() / 1e9, line));
    }

    private Result run() throws IOException {
        int reloadsBefore = rig.reloads();
        long loadStart = System.nanoTime();
        Traffic traffic = Traffic.start(rig.frontendPort(), options.threads(), options.requests(), options.maxTime(),
                options.pause(), rig.backendIds());
        int restarts = 0;
        int rounds = 0;
        Optional<Double> failingServed = Optional.empty();
        long failingAfter = 0;
        try {
            do {
                for (Backend b : rig.backends()) {
                    restart(b, traffic);
                    restarts++;
                    if (options.zooKeeperOutage() && restarts == 1) {
                        long[] outage = outage(rig.backends().get(rig.backends().size() - 1), traffic);
                        failingServed = Optional.of(outage[0] / 1e9);
                        failingAfter = outage[1];
                    }
                }
                rounds++;
            } while (traffic.running() && rounds < options.maxRounds());
        } finally {
            traffic.close();
        }
        long loadEnd = rig.backends().stream().flatMapToLong(b -> Arrays.stream(b.arrivals())).max().orElse(loadStart);
        double gap = 0;
        String gapAt = "-";
        for (Backend b : rig.backends()) {
            long[] g = longestGap(b, loadStart, loadEnd);
            note(String.format("%s: longest stretch without traffic while healthy %.2f s, from %.1f s", b.id(), g[0] / 1e9,
                    g[1] / 1e9));
            if (g[0] / 1e9 > gap) {
                gap = g[0] / 1e9;
                gapAt = b.id();
            }
        }
        return new Result(traffic.counts(), restarts, rounds, gap, gapAt, rig.reloads() - reloadsBefore, failingServed,
                failingAfter, traffic.failures(), log.toString());
    }

    private void restart(Backend b, Traffic traffic) {
        long down = System.nanoTime();
        int status = rig.nerve(b).terminate();
        note(b.id() + ": nerve SIGTERM, exit status " + status);
        awaitOrFail("ZooKeeper drops " + b, () -> !rig.registry().registrations().contains(b.address()));
        awaitOrFail("HAProxy takes " + b + " out of rotation and its last request finishes",
                () -> !rig.serving().contains(b.address()) && b.inFlight() == 0);
        note(b.id() + ": drained, stopping the backend");
        b.stop();
        b.start();
        rig.restartNerve(b);
        awaitOrFail("ZooKeeper has " + b + " once again",
                () -> rig.registry().registrations().stream().filter(b.address()::equals).count() == 1);
        long up = System.nanoTime();
        unhealthy.get(b).add(new long[] {down, up});
        note(b.id() + ": registered again after " + String.format("%.1f s", (up - down) / 1e9));
        long before = traffic.okFrom(b.id());
        awaitOrFail("HAProxy sends traffic to " + b + " again",
                () -> rig.serving().contains(b.address()) && (!traffic.running() || traffic.okFrom(b.id()) > before));
    }

    /** The ZooKeeper outage with {@code failing} failing; returns {nanos it got traffic after ZooKeeper was back, requests}. */
    private long[] outage(Backend failing, Traffic traffic) {
        zk.kill9();
        failing.sick(true);
        long sick = System.nanoTime();
        note("ZooKeeper killed; " + failing.id() + " fails from now");
        await().pollDelay(options.outage()).atMost(options.outage().plusSeconds(5)).until(() -> true);
        zk.restart();
        long back = System.nanoTime();
        note("ZooKeeper serves again");
        awaitOrFail("ZooKeeper and HAProxy drop the failing " + failing,
                () -> !rig.registry().registrations().contains(failing.address()) && !rig.serving().contains(failing.address()));
        long[] after = Arrays.stream(failing.arrivals()).filter(t -> t > back).toArray();
        long lastAfter = after.length == 0 ? back : after[after.length - 1];
        note(failing.id() + ": got " + after.length + " requests for " + String.format("%.2f s", (lastAfter - back) / 1e9)
                + " after ZooKeeper was back");
        failing.sick(false);
        awaitOrFail("ZooKeeper has the recovered " + failing + " once again",
                () -> rig.registry().registrations().stream().filter(failing.address()::equals).count() == 1);
        unhealthy.get(failing).add(new long[] {sick, System.nanoTime()});
        rig.awaitConverged(Set.copyOf(rig.backends()), traffic, WAIT);
        return new long[] {lastAfter - back, after.length};
    }

    private interface Check {
        boolean holds() throws Exception;
    }

    private void awaitOrFail(String what, Check check) {
        try {
            await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).ignoreExceptions().until(check::holds);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("rolling restart: " + what + " did not happen within " + WAIT + "; "
                    + rig.describe() + "\n" + log, e);
        }
    }

    /** The longest stretch without a request to {@code b} while it was healthy, within [start, end]: {length, start}. */
    private long[] longestGap(Backend b, long start, long end) {
        long[] arrivals = b.arrivals();
        Arrays.sort(arrivals);
        List<long[]> healthy = new ArrayList<>();
        long from = start;
        List<long[]> out = new ArrayList<>(unhealthy.get(b));
        out.sort((x, y) -> Long.compare(x[0], y[0]));
        for (long[] w : out) {
            if (Math.min(w[0], end) > from) {
                healthy.add(new long[] {from, Math.min(w[0], end)});
            }
            from = Math.max(from, w[1]);
        }
        if (end > from) {
            healthy.add(new long[] {from, end});
        }
        long longest = 0;
        long at = start;
        for (long[] h : healthy) {
            long last = h[0];
            for (long t : arrivals) {
                if (t >= h[0] && t <= h[1]) {
                    if (t - last > longest) {
                        longest = t - last;
                        at = last;
                    }
                    last = t;
                }
            }
            if (h[1] - last > longest) {
                longest = h[1] - last;
                at = last;
            }
        }
        return new long[] {longest, at};
    }

    /** The figures as report rows: name, requests, ok, failed, to the failing backend, restarts, longest gap, reloads, after ZK. */
    public static void addTo(Report report, String name, Result r) {
        report.row(name, r.counts().sent(), r.counts().ok(), r.counts().failed(), r.counts().toFailing(),
                r.restarts() + " (" + r.rounds() + " rounds)", String.format("%.2f s (%s)", r.longestGapSeconds(), r.longestGapAt()),
                r.reloads(), r.failingServedAfterZooKeeperSeconds()
                        .map(s -> String.format("%.2f s, %d requests", s, r.failingRequestsAfterZooKeeper())).orElse("-"));
    }

    public static Report report() {
        return new Report("Rolling restart under load", "run", "requests", "ok", "failed", "to the failing backend",
                "restarts", "longest no-traffic window of a healthy backend", "HAProxy reloads",
                "failing backend served after ZooKeeper was back");
    }
}
