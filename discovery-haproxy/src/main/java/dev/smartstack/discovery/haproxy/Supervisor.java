package dev.smartstack.discovery.haproxy;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Supervises an HAProxy that the output runs itself: {@code haproxy -W -S <master> -f <config>
 * -p <pid>} in master-worker mode (not daemonised, so it is our child), reloaded with the master
 * CLI's {@code reload}, and stopped with SIGTERM (then SIGKILL) by {@link #stop()}. Its output goes
 * to {@code <config>.log}.
 *
 * <p>Once stopped (by {@link #stop()} or by the JVM's shutdown) it never starts HAProxy again, and
 * an exit it caused is never reported as unexpected. Its JVM shutdown hook is registered once, at
 * the first start, never while the JVM is already shutting down, and removed by {@link #stop()}.
 */
final class Supervisor {
    private static final Logger log = LoggerFactory.getLogger(Supervisor.class);
    private static final Duration READY = Duration.ofSeconds(15);

    private final Settings settings;
    private final MasterCli master;
    private final Object lock = new Object();
    private volatile Process process;
    /** The process that became ready: only its exit can be unexpected (a failed start is reported as such). */
    private volatile Process ready;
    private volatile boolean stopped;
    private long logOffset;
    private Thread shutdownHook;
    private volatile Runnable beforeJvmStop = () -> { };

    Supervisor(Settings settings) {
        this.settings = settings;
        this.master = new MasterCli(settings.masterSocketPath(), Duration.ofSeconds(10));
    }

    MasterCli master() {
        return master;
    }

    boolean alive() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /**
     * Starts HAProxy (stopping a dead or running one first) and waits until the master lists a
     * worker; null on success, else the error. {@code onUnexpectedExit} runs (on another thread)
     * if this process exits without {@link #stop()}.
     */
    String start(java.util.function.Consumer<String> onUnexpectedExit) {
        Process started;
        synchronized (lock) {
            if (stopped) {
                return "HAProxy is not started again: the output is stopping";
            }
            if (shutdownHook == null) {
                Thread hook = new Thread(this::jvmShutdown, "smartstack-haproxy-shutdown");
                try {
                    Runtime.getRuntime().addShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    stopped = true;
                    return "HAProxy is not started: the JVM is shutting down";
                }
                shutdownHook = hook;
            }
            Process old = process;
            process = null; // its exit is ours, not unexpected
            destroy(old);
            try {
                Files.deleteIfExists(settings.masterSocketPath());
                // The master CLI controls every worker: only our user may connect (without a mode the
                // socket got the umask's, 0755 under 022 and 0777 under 000). (Ported from main's fix.)
                List<String> argv = List.of(settings.haproxyPath(), "-W", "-S", settings.masterSocketPath() + ",mode,600",
                        "-f", settings.configFilePath().toString(), "-p", settings.pidFilePath().toString());
                File logFile = logFile().toFile();
                logOffset = logFile.length();
                started = new ProcessBuilder(argv).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile))
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
                process = started;
            } catch (IOException e) {
                return "could not start " + settings.haproxyPath() + ": " + e.getMessage();
            }
        }
        log.info("haproxy started as pid {} with config {}", started.pid(), settings.configFilePath());
        started.onExit().thenAccept(exited -> {
            if (!stopped && process == exited && ready == exited) {
                onUnexpectedExit.accept("HAProxy master pid " + exited.pid() + " exited with status "
                        + exited.exitValue());
            }
        });
        String error = awaitReady(started);
        if (error == null) {
            ready = started;
            if (!started.isAlive() && process == started && !stopped) {
                error = "haproxy exited as it became ready";
            }
        }
        if (error != null) {
            synchronized (lock) {
                if (process == started) {
                    process = null;
                }
            }
            destroy(started);
        }
        return error;
    }

    private String awaitReady(Process p) {
        long deadline = System.nanoTime() + READY.toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                return "haproxy exited with " + p.exitValue() + alerts() + " (log: " + logFile() + ")";
            }
            MasterCli.ProcInfo info = procInfo();
            if (info != null && !info.workerPids().isEmpty()
                    && (!settings.doSocket() || Files.exists(settings.socketFilePath()))) {
                return null;
            }
            if (!pause()) {
                return "interrupted while waiting for haproxy to become ready";
            }
        }
        return "haproxy did not become ready within " + READY;
    }

    private Path logFile() {
        return settings.configFilePath().resolveSibling(settings.configFilePath().getFileName() + ".log");
    }

    /** HAProxy's ALERT lines written since this start, e.g. "cannot bind socket", as ": a; b", or "". */
    private String alerts() {
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(logFile().toFile(), "r")) {
            long from = Math.max(logOffset, f.length() - 16_384);
            byte[] bytes = new byte[(int) Math.max(0, f.length() - from)];
            f.seek(from);
            f.readFully(bytes);
            StringBuilder sb = new StringBuilder();
            for (String line : new String(bytes, java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
                int i = line.indexOf(" : ");
                if (line.startsWith("[ALERT]") && i > 0 && sb.length() < 1000) {
                    sb.append(sb.length() == 0 ? ": " : "; ").append(line.substring(i + 3).strip());
                }
            }
            return sb.toString();
        } catch (IOException e) {
            return "";
        }
    }

    /** Reloads through the master CLI and waits until the master counts it; null on success. */
    String reload() {
        logOffset = logFile().toFile().length();
        MasterCli.ProcInfo before = procInfo();
        if (before == null) {
            return "the master CLI at " + settings.masterSocketPath() + " does not answer";
        }
        try {
            master.send("reload");
        } catch (IOException e) {
            // The master re-executes itself and may drop the connection: check show proc below.
            log.debug("master CLI reload: {}", e.toString());
        }
        long deadline = System.nanoTime() + READY.toNanos();
        while (System.nanoTime() < deadline) {
            MasterCli.ProcInfo now = procInfo();
            if (now != null && now.failedReloads() > before.failedReloads()) {
                return "HAProxy refused the new config (master reports failed reload " + now.failedReloads() + ")"
                        + alerts() + " (log: " + logFile() + ")";
            }
            if (now != null && now.reloads() > before.reloads() && !now.workerPids().isEmpty()
                    && !now.workerPids().equals(before.workerPids())) {
                return null;
            }
            // The master re-executes itself in place on a reload, so its process stays alive; when
            // it is gone, no answer will come: give up now and let the restart run, not in 15 s.
            if (!alive()) {
                return "HAProxy exited while reloading" + alerts() + " (log: " + logFile() + ")";
            }
            if (!pause()) {
                return "interrupted while waiting for the master to report the reload";
            }
        }
        return "the master did not report the reload within " + READY;
    }

    MasterCli.ProcInfo procInfo() {
        try {
            return MasterCli.parseShowProc(master.send("show proc"));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** What the JVM shutdown hook does before stopping HAProxy (the output saves the server state). */
    void beforeJvmStop(Runnable action) {
        this.beforeJvmStop = action;
    }

    /**
     * The JVM shutdown hook: the server state first, then the one stop; never a restart. HAProxy
     * may get the same signal (Ctrl-C, a cgroup kill), so from the first line on nothing starts it
     * again and its exit is not unexpected: a fresh process's blank state must not be saved over
     * the real one. Package-private for tests.
     */
    void jvmShutdown() {
        synchronized (lock) {
            if (stopped) {
                return;
            }
            stopped = true; // honoured by start() and the exit check
        }
        try {
            beforeJvmStop.run();
        } catch (RuntimeException e) {
            log.warn("haproxy state before shutdown: {}", e.toString());
        }
        stop();
    }

    /**
     * Stops HAProxy (SIGTERM to the master, SIGKILL after 10 s) and never starts it again.
     * Idempotent; also the JVM shutdown hook.
     */
    void stop() {
        Process p;
        Thread hook;
        synchronized (lock) {
            stopped = true;
            p = process;
            process = null;
            hook = shutdownHook;
            shutdownHook = null;
        }
        if (hook != null && hook != Thread.currentThread()) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook); // a closed output leaves nothing behind
            } catch (IllegalStateException shuttingDown) {
                // the JVM is shutting down: the hook runs (or ran) and finds this stopped
            }
        }
        if (p != null && destroy(p)) {
            log.info("haproxy pid {} stopped", p.pid());
        }
    }

    /** Whether a JVM shutdown hook is registered, for tests. */
    boolean shutdownHookRegistered() {
        synchronized (lock) {
            return shutdownHook != null;
        }
    }

    /** Stops one process and its children; false if there was nothing to stop. */
    private static boolean destroy(Process p) {
        if (p == null || !p.isAlive()) {
            return false;
        }
        List<ProcessHandle> children = p.descendants().toList();
        p.destroy();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
        for (ProcessHandle c : children) {
            if (c.isAlive()) {
                c.destroyForcibly();
            }
        }
        return true;
    }

    /**
     * Waits a little; false when interrupted (close() while starting or reloading): the caller gives
     * up at once instead of spinning on failing socket calls until its deadline.
     */
    private static boolean pause() {
        try {
            Thread.sleep(20);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
