package dev.smartstack.discovery.examples;

import dev.smartstack.discovery.core.ZooKeeperSettings;
import dev.smartstack.discovery.nerve.HealthChecks;
import dev.smartstack.discovery.nerve.HealthResult;
import dev.smartstack.discovery.nerve.NerveService;
import dev.smartstack.discovery.smartstack.SmartStack;
import dev.smartstack.discovery.synapse.SynapseWatcher;
import dev.smartstack.discovery.testing.DockerSupport;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.apache.curator.framework.CuratorFramework;

/**
 * The SmartStack tour: the tutorial's cast (two {@code service_a} nodes, each registered by Nerve,
 * and a {@code service_b} that reaches them through Synapse and HAProxy) on a real three-node
 * ZooKeeper ensemble, and the tutorial's failures, each made real (kill -9 where the tutorial
 * kills), with real requests at every step.
 *
 * <pre>
 * scripts/tour [--zookeeper embedded|testcontainers|host:port] [--no-haproxy] [--steps 1,2,...]
 * </pre>
 *
 * Exits 0 when no step failed (skipped steps are listed apart), 1 when one did, 2 on bad arguments.
 */
public final class Tour {
    static final Duration SESSION_TIMEOUT = Duration.ofSeconds(4);
    static final int RISE = 2;
    static final int FALL = 2;
    static final Duration CHECK_INTERVAL = Duration.ofMillis(250);
    static final String SERVICE_A_PATH = "/nerve/services/service_a/services";
    static final int REQUESTS = 20;
    static final int BULK_SERVICES = 20;
    static final Duration WAIT = Duration.ofSeconds(30);

    private enum Outcome { PASS, FAIL, SKIPPED }

    private record StepResult(int step, String title, Outcome outcome, String figure) {
    }

    /** The answers to a batch of requests: how many each node answered, and the failures. */
    record Traffic(Map<String, Integer> byNode, int failures, String firstError) {
        int total() {
            return byNode.values().stream().mapToInt(Integer::intValue).sum() + failures;
        }

        boolean onlyFrom(String node) {
            return failures == 0 && byNode.keySet().equals(Set.of(node));
        }

        boolean fromAll(Set<String> nodes) {
            return failures == 0 && byNode.keySet().equals(nodes);
        }

        @Override
        public String toString() {
            StringBuilder s = new StringBuilder(total() + " requests: ");
            byNode.forEach((k, v) -> s.append(k).append(" answered ").append(v).append(", "));
            s.append(failures).append(failures == 1 ? " failure" : " failures");
            if (firstError != null) {
                s.append(" (first: ").append(firstError).append(')');
            }
            return s.toString();
        }
    }

    private final Console console;
    private final String zookeeperChoice;
    private final boolean wantHaproxy;
    private final Set<Integer> steps;
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private final List<StepResult> results = new ArrayList<>();
    private Path workDir;
    private TourZooKeeper zk;
    private CuratorFramework admin;
    private ServiceNode node1;
    private ServiceNode node2;
    private SmartStack nerve1;
    private ChildJvm nerve2;
    private int nerve2Launches;
    private ServiceB serviceB;
    private HaproxyFront haproxy;

    private Tour(Console console, String zookeeperChoice, boolean wantHaproxy, Set<Integer> steps) {
        this.console = console;
        this.zookeeperChoice = zookeeperChoice;
        this.wantHaproxy = wantHaproxy;
        this.steps = steps;
    }

    public static void main(String[] args) {
        quietLibraryLogs();
        int code = run(args, System.out, System.console() != null);
        System.out.flush();
        System.exit(code);
    }

    /**
     * Sends the libraries' logs (WARN and up) to {@code smartstack-tour.log} in the temporary
     * directory, so that the tour's own output stays readable. Must run before any logger exists.
     */
    static void quietLibraryLogs() {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.zookeeper", "error");
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.curator", "error");
        System.setProperty("org.slf4j.simpleLogger.log.org.testcontainers", "warn");
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
        System.setProperty("org.slf4j.simpleLogger.logFile",
                Path.of(System.getProperty("java.io.tmpdir"), "smartstack-tour.log").toString());
    }

    /** Runs the tour; returns the exit code. */
    public static int run(String[] args, PrintStream out, boolean tty) {
        String zookeeper = "embedded";
        boolean haproxy = true;
        Set<Integer> steps = new TreeSet<>(List.of(1, 2, 3, 4, 5, 6, 7));
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--zookeeper" -> {
                    if (i + 1 >= args.length) {
                        return usage(out, "--zookeeper needs a value");
                    }
                    zookeeper = args[++i];
                }
                case "--no-haproxy" -> haproxy = false;
                case "--steps" -> {
                    if (i + 1 >= args.length) {
                        return usage(out, "--steps needs a value");
                    }
                    steps.clear();
                    try {
                        for (String s : args[++i].split(",")) {
                            int n = Integer.parseInt(s.strip());
                            if (n < 1 || n > 7) {
                                return usage(out, "steps are 1 to 7 but got " + n);
                            }
                            steps.add(n);
                        }
                    } catch (NumberFormatException e) {
                        return usage(out, "--steps takes numbers like 1,2,5 but got '" + args[i] + "'");
                    }
                }
                case "-h", "--help" -> {
                    usage(out, null);
                    return 0;
                }
                default -> {
                    return usage(out, "unknown argument '" + args[i] + "'");
                }
            }
        }
        if (!zookeeper.equals("embedded") && !zookeeper.equals("testcontainers") && !zookeeper.matches("[^\\s]+:\\d+(,[^\\s]+:\\d+)*")) {
            return usage(out, "--zookeeper must be embedded, testcontainers or host:port[,host:port...] but was '"
                    + zookeeper + "'");
        }
        Tour tour = new Tour(new Console(out, tty), zookeeper, haproxy, steps);
        Thread hook = new Thread(() -> {
            out.println();
            out.println("tour: interrupted; stopping every process the tour started");
            tour.cleanUp();
        }, "smartstack-tour-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        int code = 1;
        try {
            code = tour.runSteps();
            return code;
        } finally {
            tour.cleanUp();
            if (code == 0) {
                tour.deleteWorkDir();
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run
            }
        }
    }

    private static int usage(PrintStream out, String error) {
        if (error != null) {
            out.println("tour: " + error);
        }
        out.println("usage: scripts/tour [--zookeeper embedded|testcontainers|host:port[,...]] [--no-haproxy] [--steps 1,2,...]");
        out.println("  --zookeeper embedded        a 3-node ensemble of child JVMs that the tour crashes for real (default)");
        out.println("  --zookeeper testcontainers  a 3-node ensemble of Docker containers");
        out.println("  --zookeeper host:port       an existing ZooKeeper; steps that crash ZooKeeper are skipped");
        out.println("  --no-haproxy                route service_b's calls through the in-process ServiceProvider");
        out.println("  --steps 1,5                 run only these steps (the set-up always runs)");
        return error == null ? 0 : 2;
    }

    // ------------------------------------------------------------------------------------ the run

    private int runSteps() {
        long start = System.nanoTime();
        console.title("SmartStack for the JVM: the tour");
        console.title("The tutorial's cast on real processes: two service_a nodes registered by Nerve, and service_b");
        console.title("calling service_a through Synapse" + (wantHaproxy ? " and HAProxy" : "")
                + "; then each piece breaks in turn.");
        console.title("Each step prints what the tour did, what the tutorial says should happen, what the tour saw");
        console.title("(real requests from service_b, counted by the node that answered), and PASS or FAIL.");
        try {
            setUp();
        } catch (RuntimeException e) {
            console.blank();
            console.title("The set-up failed: " + e);
            results.add(new StepResult(0, "set-up", Outcome.FAIL, e.getMessage()));
            return summary(start);
        }
        step(1, "simple setup", this::simpleSetup);
        step(2, "a service crashes and comes back", this::serviceCrashes);
        step(3, "ZooKeeper crashes and comes back", this::zooKeeperCrashes);
        step(4, "Synapse crashes and restarts", this::synapseCrashes);
        step(5, "Nerve is killed with kill -9", this::nerveKilled);
        step(6, "one ZooKeeper node of three crashes and comes back", this::oneZooKeeperNodeCrashes);
        step(7, "many services across the ensemble", this::manyServices);
        return summary(start);
    }

    private void step(int n, String title, Supplier<StepResult> body) {
        if (!steps.contains(n)) {
            return;
        }
        console.header(n, title);
        StepResult r;
        try {
            if (n > 1 && !serving(Set.of("node1", "node2"))
                    && console.await("(first, waiting for service_b to reach both nodes, as after step 1)", WAIT,
                            () -> serving(Set.of("node1", "node2"))) == null) {
                console.result(false, "service_b did not reach both nodes before the step");
                results.add(new StepResult(n, title, Outcome.FAIL, "not both nodes at the start"));
                return;
            }
            r = body.get();
        } catch (RuntimeException e) {
            console.result(false, "the step threw " + e);
            r = fail(e.toString());
        }
        results.add(new StepResult(n, title, r.outcome(), r.figure()));
    }

    private static StepResult pass(String figure) {
        return new StepResult(0, "", Outcome.PASS, figure);
    }

    private static StepResult fail(String figure) {
        return new StepResult(0, "", Outcome.FAIL, figure);
    }

    private StepResult verdict(boolean ok, String figure) {
        console.result(ok, figure);
        return ok ? pass(figure) : fail(figure);
    }

    private int summary(long start) {
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        console.blank();
        console.title("== Summary " + "=".repeat(80));
        console.title(String.format(Locale.ROOT, "%-4s %-52s %-8s %s", "step", "", "result", "key figure"));
        long passed = 0;
        long failed = 0;
        long skipped = 0;
        for (StepResult r : results) {
            console.title(String.format(Locale.ROOT, "%-4s %-52s %-8s %s", r.step() == 0 ? "-" : r.step(), r.title(),
                    r.outcome(), r.figure()));
            switch (r.outcome()) {
                case PASS -> passed++;
                case FAIL -> failed++;
                default -> skipped++;
            }
        }
        console.title(String.format(Locale.ROOT, "%d passed, %d failed, %d skipped, in %s", passed, failed, skipped,
                Console.seconds(took)));
        console.title("Library logs (WARN and up): " + System.getProperty("org.slf4j.simpleLogger.logFile", "stderr")
                + (failed == 0 ? "" : "; logs of the child JVMs and HAProxy: " + workDir));
        return failed == 0 && passed > 0 ? 0 : 1;
    }

    // ------------------------------------------------------------------------------------ set-up

    private void setUp() {
        try {
            workDir = Files.createTempDirectory("smartstack-tour-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a work directory", e);
        }
        console.blank();
        console.title("Set-up");
        long t0 = System.nanoTime();
        if (zookeeperChoice.equals("testcontainers") && !DockerSupport.isAvailable()) {
            throw new IllegalStateException("--zookeeper testcontainers needs Docker, which is not available here; "
                    + "run without it to use the embedded ensemble");
        }
        zk = switch (zookeeperChoice) {
            case "embedded" -> TourZooKeeper.embedded();
            case "testcontainers" -> TourZooKeeper.testcontainers();
            default -> TourZooKeeper.external(zookeeperChoice);
        };
        own(zk);
        console.info("ZooKeeper: " + zk.describe() + ", up in " + Console.seconds(since(t0)));
        admin = own(settings(zk.connectString()).newClient());
        admin.start();
        try {
            if (!admin.blockUntilConnected(30, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new IllegalStateException("cannot connect to ZooKeeper at " + zk.connectString());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        node1 = own(ServiceNode.start("node1"));
        node2 = own(ServiceNode.start("node2"));
        console.info("service_a: " + node1 + " and " + node2 + ", JDK HttpServers answering /health and / (their name)");
        nerve1 = own(startNerve1());
        console.info("node 1's Nerve: in the tour's JVM, SmartStack.builder().register(...), HTTP check of /health every "
                + CHECK_INTERVAL.toMillis() + " ms, rise " + RISE + ", fall " + FALL + ", session timeout "
                + Console.seconds(SESSION_TIMEOUT));
        launchNerve2();
        console.info("node 2's Nerve: its own JVM (pid " + nerve2.pid() + "), as Ruby Nerve runs beside the service");
        haproxy = wantHaproxy ? startHaproxy() : null;
        serviceB = own(new ServiceB(settings(zk.connectString()), SERVICE_A_PATH, workDir, haproxy));
        serviceB.start();
        console.info("service_b's Synapse: SmartStack.builder().discover(\"service_a\", \"" + SERVICE_A_PATH
                + "\"); its calls go through " + serviceB.route());
    }

    private HaproxyFront startHaproxy() {
        Optional<String> binary = HaproxyFronts.binary();
        if (binary.isEmpty()) {
            console.info("HAProxy: not installed. Install it with `sudo apt-get install haproxy` to see the real thing;");
            console.info("         this run uses the in-process ServiceProvider and Synapse's file_output instead.");
            return null;
        }
        HaproxyFront front = own(HaproxyFronts.start(binary.get(), workDir));
        console.info("HAProxy: " + front.describe());
        return front;
    }

    private SmartStack startNerve1() {
        return SmartStack.builder()
                .zooKeeper(settings(zk.connectString()))
                .register(NerveService.builder()
                        .name("service_a").instanceId("node1").host("127.0.0.1").port(node1.port())
                        .zkPath(SERVICE_A_PATH)
                        .check(HealthChecks.http().host("127.0.0.1").port(node1.port()).uri("/health")
                                .timeout(Duration.ofSeconds(1)).build())
                        .checkInterval(CHECK_INTERVAL).rise(RISE).fall(FALL)
                        .build())
                .build()
                .start();
    }

    private void launchNerve2() {
        nerve2Launches++;
        nerve2 = own(ChildJvm.launch(NerveChild.class, List.of(zk.connectString(),
                Long.toString(SESSION_TIMEOUT.toMillis()), SERVICE_A_PATH, "node2", Integer.toString(node2.port())),
                workDir.resolve("node2-nerve-" + nerve2Launches + ".log")));
    }

    static ZooKeeperSettings settings(String connectString) {
        return ZooKeeperSettings.builder().connectString(connectString).sessionTimeout(SESSION_TIMEOUT).build();
    }

    // ------------------------------------------------------------------------------------ step 1

    private StepResult simpleSetup() {
        console.did("started both nodes' Nerve and service_b's Synapse");
        console.expect("each Nerve registers its node in ZooKeeper; Synapse sees both and "
                + (haproxy != null ? "HAProxy balances over them" : "service_b balances over them"));
        Duration d = console.await("waiting for service_b to see node1 and node2", WAIT,
                () -> serving(Set.of("node1", "node2")));
        List<String> znodes = znodes(SERVICE_A_PATH);
        console.saw("znodes, named as Ruby Nerve names them (<instance_id>_<sequence>):");
        for (String z : znodes) {
            console.info("            " + SERVICE_A_PATH + "/" + z + "  " + data(SERVICE_A_PATH + "/" + z));
        }
        Traffic t = send(REQUESTS);
        console.saw(t + " (through " + serviceB.route() + ")");
        boolean ok = d != null && znodes.size() == 2 && t.fromAll(Set.of("node1", "node2"));
        return verdict(ok, "2 nodes registered; " + t.byNode().getOrDefault("node1", 0) + "/"
                + t.byNode().getOrDefault("node2", 0) + " requests on node1/node2");
    }

    // ------------------------------------------------------------------------------------ step 2

    private StepResult serviceCrashes() {
        if (haproxy != null && !haproxy.settled()) {
            console.await("(first, letting HAProxy finish a pending reload)", WAIT, haproxy::settled);
        }
        long reloadsBefore = haproxy == null ? 0 : haproxy.reloads();
        long commandsBefore = haproxy == null ? 0 : haproxy.runtimeCommands();
        node1.healthy(false);
        console.did("node 1's /health now answers 503 (the service is broken)");
        console.expect("Nerve sees " + FALL + " failed checks in a row and deletes node 1's znode; all requests go to node 2");
        Duration gone = console.await("waiting for node 1 to leave service_b's backends", WAIT,
                () -> serving(Set.of("node2")));
        Traffic during = send(REQUESTS);
        console.saw("node 1 left after " + (gone == null ? "(never)" : Console.seconds(gone)) + "; " + during);
        node1.healthy(true);
        console.did("node 1's /health answers 200 again");
        console.expect("Nerve re-registers node 1 after " + RISE + " passing checks; requests reach both nodes again");
        Duration back = console.await("waiting for node 1 to rejoin", WAIT,
                () -> serving(Set.of("node1", "node2")));
        Traffic after = send(REQUESTS);
        console.saw("node 1 back after " + (back == null ? "(never)" : Console.seconds(back)) + "; " + after);
        boolean ok = gone != null && back != null && during.onlyFrom("node2") && after.fromAll(Set.of("node1", "node2"));
        String figure = "out in " + (gone == null ? "-" : Console.seconds(gone)) + ", back in "
                + (back == null ? "-" : Console.seconds(back));
        if (haproxy != null) {
            long reloads = haproxy.reloads() - reloadsBefore;
            long commands = haproxy.runtimeCommands() - commandsBefore;
            console.saw("HAProxy: " + reloads + " reloads, " + commands + " runtime API commands");
            if (reloads == 0) {
                console.beat("the backend left and rejoined through HAProxy's runtime API, without a reload; "
                        + "Ruby Synapse restarts HAProxy for most changes");
            }
            ok &= reloads == 0 && commands > 0;
            figure += ", " + reloads + " reloads";
        }
        return verdict(ok, figure);
    }

    // ------------------------------------------------------------------------------------ step 3

    private StepResult zooKeeperCrashes() {
        if (!zk.controllable()) {
            return skip();
        }
        List<String> before = znodes(SERVICE_A_PATH);
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < zk.size(); i++) {
            zk.kill9(i);
            all.add(i);
        }
        console.did("kill -9 of all " + zk.size() + " ZooKeeper servers");
        console.expect("Synapse keeps the last known backends, so requests keep flowing; when ZooKeeper is back, all is well");
        Duration stale = console.await("waiting for service_b's watcher to notice", WAIT,
                () -> serviceB.state() == SynapseWatcher.State.STALE);
        console.saw("service_b's watcher is " + serviceB.state() + ", still routing to " + serviceB.backends());
        Map<String, Integer> byNode = new TreeMap<>();
        int[] failures = {0};
        String[] firstError = {null};
        Duration down = SESSION_TIMEOUT.plusSeconds(2);
        console.during("ZooKeeper stays down for " + Console.seconds(down)
                + " (longer than the session timeout); requests every 200 ms", down, Duration.ofMillis(200), () -> {
                    Http.Reply r = serviceB.request();
                    if (r.ok()) {
                        byNode.merge(r.body(), 1, Integer::sum);
                    } else {
                        failures[0]++;
                        firstError[0] = firstError[0] == null ? r.body() : firstError[0];
                    }
                });
        Traffic whileDown = new Traffic(byNode, failures[0], firstError[0]);
        console.saw("while ZooKeeper was down: " + whileDown);
        long t0 = System.nanoTime();
        zk.restartAll(all);
        console.did("restarted the " + zk.size() + " servers (" + Console.seconds(since(t0)) + " until they serve)");
        Duration live = console.await("waiting for the watcher to be LIVE with both nodes registered once", WAIT.multipliedBy(2),
                () -> serviceB.state() == SynapseWatcher.State.LIVE && serviceB.backendCount() == 2
                        && znodes(SERVICE_A_PATH).size() == 2 && settled() && serving(Set.of("node1", "node2")));
        List<String> after = znodes(SERVICE_A_PATH);
        console.saw("watcher " + serviceB.state() + "; znodes " + before + " -> " + after
                + (before.equals(after) ? " (the sessions survived)" : " (Nerve re-registered after its sessions expired)"));
        Traffic t = send(REQUESTS);
        console.saw("after: " + t);
        boolean ok = stale != null && whileDown.failures() == 0 && whileDown.total() > 0 && live != null
                && t.fromAll(Set.of("node1", "node2"));
        if (ok) {
            console.beat("the watcher kept serving while ZooKeeper was down; Ruby Synapse exits here ('failed ping!')");
        }
        return verdict(ok, whileDown.total() + " requests while down, " + whileDown.failures() + " failed; LIVE "
                + (live == null ? "never" : Console.seconds(live) + " after restart"));
    }

    private StepResult skip() {
        String why = "needs a ZooKeeper the tour controls (" + zk.connectString() + " is external)";
        console.skipped(why);
        return new StepResult(0, "", Outcome.SKIPPED, "skipped: needs a ZooKeeper the tour controls");
    }

    // ------------------------------------------------------------------------------------ step 4

    private StepResult synapseCrashes() {
        serviceB.crash();
        console.did("service_b's Synapse stopped at once (its watcher and ZooKeeper session closed)");
        console.expect(haproxy != null
                ? "HAProxy, a separate process, keeps serving the last backends; a restarted Synapse catches up"
                : "what Synapse last wrote (here its file_output) keeps serving; a restarted Synapse catches up");
        Traffic whileDown = send(REQUESTS);
        console.saw("while Synapse was down, through " + serviceB.route() + ": " + whileDown);
        nerve1.maintenance(true);
        console.did("meanwhile node 1 goes into maintenance (its Nerve deletes its znode)");
        Duration gone = console.await("waiting for node 1's znode to go", WAIT,
                () -> znodes(SERVICE_A_PATH).stream().noneMatch(z -> z.startsWith("node1")));
        long t0 = System.nanoTime();
        serviceB.start();
        console.did("restarted service_b's Synapse");
        Duration caught = console.await("waiting for it to route to node 2 only", WAIT,
                () -> serving(Set.of("node2")) && serviceB.state() == SynapseWatcher.State.LIVE);
        Traffic after = send(REQUESTS);
        console.saw("caught up " + Console.seconds(since(t0)) + " after the restart; " + after);
        nerve1.maintenance(false);
        Duration back = console.await("node 1 leaves maintenance; waiting for it to rejoin", WAIT,
                () -> serving(Set.of("node1", "node2")));
        Traffic both = send(REQUESTS);
        console.saw(both.toString());
        boolean ok = whileDown.failures() == 0 && whileDown.total() > 0 && gone != null && caught != null
                && after.onlyFrom("node2") && back != null && both.fromAll(Set.of("node1", "node2"));
        return verdict(ok, whileDown.total() + " requests served while down; caught up in "
                + (caught == null ? "-" : Console.seconds(caught)));
    }

    // ------------------------------------------------------------------------------------ step 5

    private StepResult nerveKilled() {
        long pid = nerve2.pid();
        nerve2.kill9();
        long t0 = System.nanoTime();
        console.did("kill -9 of node 2's Nerve (pid " + pid + "); node 2's service itself keeps running");
        console.expect("the znode is ephemeral: it goes when ZooKeeper expires the session, after the session timeout ("
                + Console.seconds(SESSION_TIMEOUT) + " here); then traffic shifts to node 1");
        Map<String, Integer> byNode = new TreeMap<>();
        Duration gone = console.await("waiting for node 2's session to expire (" + Console.seconds(SESSION_TIMEOUT) + ")",
                SESSION_TIMEOUT.plus(WAIT), () -> {
                    Http.Reply r = serviceB.request();
                    byNode.merge(r.ok() ? r.body() : "failed", 1, Integer::sum);
                    return !serviceB.backends().contains("node2");
                });
        console.await("waiting for requests to reach node 1 only", WAIT, () -> serviceB.routesTo(Set.of("node1")));
        Traffic after = send(REQUESTS);
        console.saw("node 2 left " + (gone == null ? "never" : Console.seconds(since(t0)) + " after the kill")
                + " (session timeout " + Console.seconds(SESSION_TIMEOUT) + "); meanwhile " + byNode);
        console.saw("after: " + after);
        if (gone != null) {
            console.beat("gone in " + Console.seconds(gone) + " with a " + Console.seconds(SESSION_TIMEOUT)
                    + " session (any timeout the server allows); Ruby Nerve takes about 32 s here");
        }
        launchNerve2();
        console.did("started node 2's Nerve again (pid " + nerve2.pid() + ")");
        Duration back = console.await("waiting for node 2 to rejoin", WAIT,
                () -> serving(Set.of("node1", "node2")));
        Traffic both = send(REQUESTS);
        console.saw(both.toString());
        boolean ok = gone != null && after.onlyFrom("node1") && back != null && both.fromAll(Set.of("node1", "node2"));
        return verdict(ok, "expired in " + (gone == null ? "-" : Console.seconds(gone)) + " (session "
                + Console.seconds(SESSION_TIMEOUT) + "; Ruby ~32 s)");
    }

    // ------------------------------------------------------------------------------------ step 6

    private StepResult oneZooKeeperNodeCrashes() {
        if (!zk.controllable()) {
            return skip();
        }
        int leader = zk.leader().orElse(0);
        zk.kill9(leader);
        long t0 = System.nanoTime();
        console.did("kill -9 of ZooKeeper server " + (leader + 1) + " of " + zk.size() + ", the leader");
        console.expect("the other two elect a new leader and carry on; nothing else notices");
        Duration elected = console.await("waiting for a new leader", Duration.ofSeconds(60), () -> zk.leader().isPresent());
        console.saw("server " + zk.leader().map(i -> i + 1).map(String::valueOf).orElse("?") + " is leader after "
                + Console.seconds(since(t0)));
        Traffic during = send(REQUESTS);
        console.saw("requests: " + during);
        nerve1.maintenance(true);
        console.did("meanwhile node 1 goes into maintenance");
        Duration propagated = console.await("waiting for the change to reach service_b", WAIT,
                () -> serving(Set.of("node2")));
        Traffic only2 = send(REQUESTS);
        console.saw("propagated in " + (propagated == null ? "-" : Console.seconds(propagated)) + "; " + only2);
        nerve1.maintenance(false);
        Duration back = console.await("node 1 leaves maintenance; waiting for it", WAIT,
                () -> serving(Set.of("node1", "node2")));
        long t1 = System.nanoTime();
        zk.restart(leader);
        console.did("restarted server " + (leader + 1) + " (" + Console.seconds(since(t1)) + " until it serves, as "
                + zk.mode(leader).orElse("?") + ")");
        Traffic after = send(REQUESTS);
        console.saw("after: " + after);
        boolean ok = elected != null && during.fromAll(Set.of("node1", "node2")) && propagated != null
                && only2.onlyFrom("node2") && back != null && zk.mode(leader).isPresent()
                && after.fromAll(Set.of("node1", "node2"));
        return verdict(ok, "new leader in " + (elected == null ? "-" : Console.seconds(elected)) + ", change propagated in "
                + (propagated == null ? "-" : Console.seconds(propagated)));
    }

    // ------------------------------------------------------------------------------------ step 7

    private StepResult manyServices() {
        int members = zk.size();
        List<ServiceNode> hosts = new ArrayList<>();
        List<SmartStack> registrars = new ArrayList<>();
        SmartStack client = null;
        HaproxyFronts.Many frontends = null;
        try {
            for (int i = 1; i <= 3; i++) {
                hosts.add(ServiceNode.start("bulk" + i));
            }
            List<String> names = new ArrayList<>();
            for (int s = 1; s <= BULK_SERVICES; s++) {
                names.add(String.format(Locale.ROOT, "service_%03d", s));
            }
            long t0 = System.nanoTime();
            SmartStack.Builder cb = SmartStack.builder().zooKeeper(settings(zk.connectString()));
            names.forEach(n -> cb.discover(n, "/nerve/services/" + n + "/services"));
            if (haproxy != null) {
                frontends = HaproxyFronts.many(HaproxyFronts.binary().orElseThrow(), workDir, names);
                cb.output(frontends.output());
            }
            client = cb.build().start();
            for (int i = 0; i < 3; i++) {
                ServiceNode host = hosts.get(i);
                SmartStack.Builder rb = SmartStack.builder().zooKeeper(settings(zk.memberConnectString(i % members)));
                for (String n : names) {
                    rb.register(NerveService.builder().name(n).instanceId(host.name()).host("127.0.0.1")
                            .port(host.port()).zkPath("/nerve/services/" + n + "/services")
                            .check(HealthResult::ok).checkInterval(Duration.ofMillis(500)).rise(1).fall(1).build());
                }
                registrars.add(rb.build().start());
            }
            console.did(BULK_SERVICES + " services x 3 instances, registered by 3 Nerves each connected to a different "
                    + "ZooKeeper server; service_b discovers all " + BULK_SERVICES
                    + (frontends != null ? " with one HAProxy frontend each" : ""));
            console.expect("every instance reaches service_b");
            SmartStack c = client;
            Duration all = console.await("waiting for all " + (BULK_SERVICES * 3) + " instances", Duration.ofSeconds(60),
                    () -> names.stream().allMatch(n -> c.provider(n).instances().size() == 3));
            Duration took = since(t0);
            int answered = 0;
            Set<String> seen = new LinkedHashSet<>();
            for (String n : names) {
                Http.Reply r = frontends != null ? frontendRequest(frontends, n)
                        : Http.get(c.provider(n).next().port(), "/");
                if (r.ok()) {
                    answered++;
                    seen.add(r.body());
                }
            }
            console.saw("all " + (BULK_SERVICES * 3) + " instances seen " + Console.seconds(took)
                    + " after start-up; one request per service: " + answered + "/" + BULK_SERVICES + " answered (by "
                    + seen + ")" + (frontends != null ? " through HAProxy" : ""));
            boolean ok = all != null && answered == BULK_SERVICES;
            return verdict(ok, (BULK_SERVICES * 3) + " instances in " + Console.seconds(took));
        } finally {
            if (frontends != null) {
                HaproxyFronts.Many f = frontends;
                console.await("letting HAProxy finish its last reload before closing", Duration.ofSeconds(20),
                        () -> !f.busy());
            }
            if (client != null) {
                client.close();
            }
            if (frontends != null) {
                frontends.close();
            }
            registrars.forEach(SmartStack::close);
            hosts.forEach(ServiceNode::close);
        }
    }

    private static Http.Reply frontendRequest(HaproxyFronts.Many frontends, String service) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        Http.Reply r = Http.get(frontends.port(service), "/");
        while (!r.ok() && System.nanoTime() - deadline < 0) {
            Console.pause(100);
            r = Http.get(frontends.port(service), "/");
        }
        return r;
    }

    // ------------------------------------------------------------------------------------ helpers

    /** Whether HAProxy (if any) has no reload pending. */
    private boolean settled() {
        return haproxy == null || haproxy.settled();
    }

    /** Whether service_b's Synapse routes to exactly {@code nodes}, and requests show it. */
    private boolean serving(Set<String> nodes) {
        return serviceB.backends().equals(nodes) && serviceB.routesTo(nodes);
    }

    private Traffic send(int n) {
        Map<String, Integer> byNode = new TreeMap<>();
        int failures = 0;
        String firstError = null;
        for (int i = 0; i < n; i++) {
            Http.Reply r = serviceB.request();
            if (r.ok()) {
                byNode.merge(r.body(), 1, Integer::sum);
            } else {
                failures++;
                firstError = firstError == null ? r.status() + " " + r.body() : firstError;
            }
        }
        return new Traffic(byNode, failures, firstError);
    }

    private List<String> znodes(String path) {
        try {
            List<String> children = new ArrayList<>(admin.getChildren().forPath(path));
            children.sort(null);
            return children;
        } catch (Exception e) {
            return List.of();
        }
    }

    private String data(String path) {
        try {
            return new String(admin.getData().forPath(path), StandardCharsets.UTF_8);
        } catch (Exception e) {
            return "(" + e.getMessage() + ")";
        }
    }

    private void deleteWorkDir() {
        if (workDir == null) {
            return;
        }
        try (var paths = Files.walk(workDir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            System.err.println("tour: could not delete " + workDir + ": " + e);
        }
    }

    private void killLeftovers() {
        Path dir = workDir;
        if (dir == null) {
            return;
        }
        String marker = dir.toString();
        ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(marker)).orElse(false))
                .forEach(p -> {
                    System.err.println("tour: killing leftover process " + p.pid() + ": " + p.info().commandLine().orElse(""));
                    p.destroyForcibly();
                });
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    private synchronized <T extends AutoCloseable> T own(T resource) {
        resources.push(resource);
        return resource;
    }

    /**
     * Closes everything the tour started, newest first; then, as a safety net, kills any process
     * still running from the tour's work directory (an HAProxy, a child JVM). Harmless to call twice.
     */
    private void cleanUp() {
        while (true) {
            AutoCloseable r;
            synchronized (this) {
                r = resources.poll();
            }
            if (r == null) {
                killLeftovers();
                return;
            }
            try {
                r.close();
            } catch (Exception | Error e) {
                System.err.println("tour: cleaning up " + r + " failed: " + e);
            }
        }
    }
}
