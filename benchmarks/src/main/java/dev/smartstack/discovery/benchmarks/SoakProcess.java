package dev.smartstack.discovery.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One of the soak's child JVMs: a main class of this module, run with the current {@code java} and
 * class path. Its standard output is read line by line on a daemon thread (each line goes to a
 * listener, then to a queue that {@link #await} reads); its standard error goes to a file. Closing
 * its standard input asks it to finish; {@link #close()} waits a little, then kills it. A shutdown
 * hook kills it if the harness exits first.
 */
final class SoakProcess implements AutoCloseable {
    private final String name;
    private final Process process;
    private final Writer stdin;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Thread hook;

    private SoakProcess(String name, Process process, Consumer<String> listener) {
        this.name = name;
        this.process = process;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    listener.accept(line);
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process is gone
            }
        }, "soak-" + name + "-stdout");
        reader.setDaemon(true);
        reader.start();
        this.hook = new Thread(() -> {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }, "soak-" + name + "-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    static SoakProcess start(String name, Class<?> main, List<String> jvmOptions, List<String> args, Path dir,
            Consumer<String> listener) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(args);
        try {
            Process p = new ProcessBuilder(command).redirectError(dir.resolve(name + ".err").toFile()).start();
            return new SoakProcess(name, p, listener);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Sends one line to its standard input. */
    void send(String line) {
        try {
            stdin.write(line + "\n");
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(name + " does not take input (exited?)", e);
        }
    }

    /** The next line of its output that starts with {@code prefix}, skipping others. */
    String await(String prefix, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (long left; (left = deadline - System.nanoTime()) > 0; ) {
            String line = lines.poll(left, TimeUnit.NANOSECONDS);
            if (line != null && line.startsWith(prefix)) {
                return line.substring(prefix.length()).trim();
            }
            if (line == null && !process.isAlive()) {
                break;
            }
        }
        throw new IllegalStateException(name + " printed no '" + prefix + "' within " + timeout
                + (process.isAlive() ? "" : " (it exited with " + process.exitValue() + ")") + "; see its .err file");
    }

    /** Closes its standard input and waits up to {@code grace} for it to exit. */
    boolean finish(Duration grace) throws InterruptedException {
        try {
            stdin.close();
        } catch (IOException e) {
            // already gone
        }
        return process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        try {
            if (!finish(Duration.ofSeconds(20))) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs anyway
        }
    }

    /** A line of {@code /proc/<pid>/status} such as {@code VmRSS} or {@code Threads}, as its first number. */
    long status(String field) {
        return status(pid(), field);
    }

    /**
     * The sum of {@code field} over the processes this one started (with {@code --haproxy}, the
     * HAProxy master and its worker), 0 when there are none.
     */
    long descendantsStatus(String field) {
        return process.descendants().mapToLong(d -> {
            try {
                return status(d.pid(), field);
            } catch (RuntimeException e) {
                return 0; // it exited meanwhile (a reload replaces the worker)
            }
        }).sum();
    }

    private static long status(long pid, String field) {
        String name = "process " + pid;
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the status of " + name, e);
        }
        throw new IllegalStateException("no " + field + " in /proc/" + pid + "/status");
    }

    /** The number of open file descriptors ({@code /proc/<pid>/fd}). */
    long openFiles() {
        try (var fds = Files.list(Path.of("/proc", Long.toString(pid()), "fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the file descriptors of " + name, e);
        }
    }
}
