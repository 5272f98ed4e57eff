package dev.smartstack.discovery.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** One ZooKeeper server in a child JVM: its config, data directory, log file and process. */
final class ChildNode {
    static final List<String> DEFAULT_JVM_OPTIONS = List.of("-Xmx128m", "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1", "-Djava.net.preferIPv4Stack=true");

    private final Path dir;
    private final int clientPort;
    private final List<String> jvmOptions;
    private Process process;

    ChildNode(Path dir, int clientPort, String config, List<String> jvmOptions) {
        this.dir = dir;
        this.clientPort = clientPort;
        this.jvmOptions = List.copyOf(jvmOptions);
        try {
            Files.createDirectories(dir.resolve("data"));
            Files.writeString(dir.resolve("zoo.cfg"), "dataDir=" + dir.resolve("data") + "\n" + config,
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the config in " + dir, e);
        }
    }

    void writeMyId(int id) {
        try {
            Files.writeString(dir.resolve("data").resolve("myid"), Integer.toString(id), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write myid in " + dir, e);
        }
    }

    int clientPort() {
        return clientPort;
    }

    Path dataDir() {
        return dir.resolve("data");
    }

    Path logFile() {
        return dir.resolve("zookeeper.log");
    }

    synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    synchronized long pid() {
        if (process == null) {
            throw new IllegalStateException("server on port " + clientPort + " was never launched");
        }
        return process.pid();
    }

    /** Launches the JVM; does not wait. */
    synchronized void launch() {
        if (isAlive()) {
            throw new IllegalStateException("server on port " + clientPort + " is running (pid " + process.pid() + ")");
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-D" + ChildZooKeeperMain.PARENT_PID + "=" + ProcessHandle.current().pid());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(ChildZooKeeperMain.class.getName());
        command.add(dir.resolve("zoo.cfg").toString());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()));
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot launch ZooKeeper: " + command, e);
        }
    }

    /** Waits until the server answers {@code srvr} with a mode. */
    void awaitServing(Duration timeout) {
        if (!FourLetterWords.awaitServing(clientPort, timeout, this::isAlive)) {
            throw new IllegalStateException("ZooKeeper on 127.0.0.1:" + clientPort + " did not serve within " + timeout
                    + (isAlive() ? "" : " (its JVM exited)") + "; log " + logFile() + ":\n" + tailOfLog());
        }
    }

    /** SIGKILL, then waits for the process to be gone. */
    synchronized void kill9() {
        if (process != null) {
            process.destroyForcibly();
            awaitExit();
        }
    }

    /** SIGTERM, then waits for the process to be gone (SIGKILL after 10 s). */
    synchronized void stop() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
            awaitExit();
        }
    }

    private void awaitExit() {
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("ZooKeeper pid " + process.pid() + " did not exit");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    String tailOfLog() {
        try {
            List<String> lines = Files.readAllLines(logFile(), StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }

    static Path tempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory", e);
        }
    }

    static String commonConfig(int clientPort, Duration tickTime) {
        return "tickTime=" + tickTime.toMillis() + "\n"
                + "initLimit=10\n"
                + "syncLimit=5\n"
                + "clientPort=" + clientPort + "\n"
                + "clientPortAddress=127.0.0.1\n"
                + "admin.enableServer=false\n"
                + "4lw.commands.whitelist=srvr,ruok,mntr,stat\n";
    }
}
