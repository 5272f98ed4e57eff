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
 * An HAProxy that the output runs itself: {@code haproxy -W -S <master> -f <config> -p <pid>} in
 * master-worker mode (not daemonised, so it is our child), reloaded with the master CLI's
 * {@code reload}, and stopped with SIGTERM (then SIGKILL) on close. Its output goes to
 * {@code <config>.log}.
 */
final class ManagedProcess {
    private static final Logger log = LoggerFactory.getLogger(ManagedProcess.class);
    private static final Duration READY = Duration.ofSeconds(15);

    private final HaproxyOutput.Settings settings;
    private final RuntimeApi master;
    private Process process;
    private long logOffset;
    private Thread shutdownHook;

    ManagedProcess(HaproxyOutput.Settings settings) {
        this.settings = settings;
        this.master = new RuntimeApi(settings.masterSocketPath, Duration.ofSeconds(10));
    }

    RuntimeApi master() {
        return master;
    }

    /** Runs {@code action} (on another thread) when the master process exits, for whatever reason. */
    void onExit(java.util.function.Consumer<String> action) {
        Process p = process;
        if (p != null) {
            p.onExit().thenAccept(exited -> action.accept("HAProxy master pid " + exited.pid()
                    + " exited with status " + exited.exitValue()));
        }
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /** Starts HAProxy and waits until the master lists a worker; null on success, else the error. */
    String start() {
        try {
            Files.deleteIfExists(settings.masterSocketPath);
            // The master CLI controls every worker: only our user may connect (without a mode the
            // socket got the umask's, 0755 under 022 and 0777 under 000).
            List<String> argv = List.of(settings.haproxyPath, "-W", "-S", settings.masterSocketPath + ",mode,600", "-f",
                    settings.configFilePath.toString(), "-p", settings.pidFilePath.toString());
            File logFile = logFile().toFile();
            logOffset = logFile.length();
            process = new ProcessBuilder(argv).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            log.info("haproxy started as pid {} with config {}", process.pid(), settings.configFilePath);
            Process started = process;
            // If the JVM exits without close(), do not leave an orphaned HAProxy behind.
            shutdownHook = new Thread(() -> {
                started.descendants().forEach(ProcessHandle::destroy);
                started.destroy();
            }, "smartstack-haproxy-shutdown");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        } catch (IOException e) {
            return "could not start " + settings.haproxyPath + ": " + e.getMessage();
        }
        long deadline = System.nanoTime() + READY.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                return "haproxy exited with " + process.exitValue() + alerts() + " (log: " + logFile() + ")";
            }
            RuntimeApi.ProcInfo info = procInfo();
            if (info != null && !info.workerPids().isEmpty()
                    && (settings.socketFilePath == null || Files.exists(settings.socketFilePath))) {
                return null;
            }
            if (!pause()) {
                return "interrupted while waiting for haproxy to become ready";
            }
        }
        return "haproxy did not become ready within " + READY;
    }

    private Path logFile() {
        return settings.configFilePath.resolveSibling(settings.configFilePath.getFileName() + ".log");
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
        RuntimeApi.ProcInfo before = procInfo();
        if (before == null) {
            return "the master CLI at " + settings.masterSocketPath + " does not answer";
        }
        try {
            master.send("reload");
        } catch (IOException e) {
            // The master re-executes itself and may drop the connection: check show proc below.
            log.debug("master CLI reload: {}", e.toString());
        }
        long deadline = System.nanoTime() + READY.toNanos();
        while (System.nanoTime() < deadline) {
            RuntimeApi.ProcInfo now = procInfo();
            if (now != null && now.failedReloads() > before.failedReloads()) {
                return "HAProxy refused the new config (master reports failed reload " + now.failedReloads() + ")"
                        + alerts() + " (log: " + logFile() + ")";
            }
            if (now != null && now.reloads() > before.reloads() && !now.workerPids().isEmpty()
                    && !now.workerPids().equals(before.workerPids())) {
                return null;
            }
            if (!pause()) {
                return "interrupted while waiting for the master to report the reload";
            }
        }
        return "the master did not report the reload within " + READY;
    }

    RuntimeApi.ProcInfo procInfo() {
        try {
            return RuntimeApi.parseShowProc(master.send("show proc"));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    void stop() {
        Process p = process;
        if (p == null) {
            return;
        }
        if (shutdownHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // the hook is running or will run
            }
            shutdownHook = null;
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
        log.info("haproxy pid {} stopped", p.pid());
        process = null;
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
