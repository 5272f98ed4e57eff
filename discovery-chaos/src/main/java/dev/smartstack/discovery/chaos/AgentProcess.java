package dev.smartstack.discovery.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar smartstack.jar nerve|synapse --config FILE} as a child process, exactly as
 * {@code bin/smartstack} runs it, with its output appended to a log file. Signals go through
 * {@code kill}, as an operator's would.
 */
public final class AgentProcess implements AutoCloseable {
    private static final List<String> JVM_OPTIONS = List.of("-Xmx96m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-Djava.net.preferIPv4Stack=true");

    /** Agents still running when the JVM exits (a test aborted) are stopped, with their HAProxy. */
    private static final Set<AgentProcess> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(a -> {
            a.process.descendants().forEach(ProcessHandle::destroyForcibly);
            a.process.destroyForcibly();
        }), "chaos-agents-shutdown"));
    }

    private final String kind;
    private final Path config;
    private final Path log;
    private final Process process;

    private AgentProcess(String kind, Path config, Path log, Process process) {
        this.kind = kind;
        this.config = config;
        this.log = log;
        this.process = process;
    }

    /** The runnable jar: {@code -Dsmartstack.jar}, else {@code discovery-agent/target/smartstack.jar} here or one level up. */
    public static Path jar() {
        String configured = System.getProperty("smartstack.jar");
        List<Path> candidates = configured != null ? List.of(Path.of(configured))
                : List.of(Path.of("discovery-agent/target/smartstack.jar"), Path.of("../discovery-agent/target/smartstack.jar"));
        for (Path p : candidates) {
            if (Files.isRegularFile(p)) {
                return p.toAbsolutePath().normalize();
            }
        }
        throw new IllegalStateException("the agent jar is missing at " + candidates
                + "; build it with: mvn -pl discovery-agent -am -DskipTests package");
    }

    /** Starts {@code smartstack <kind> --config <config>}; returns at once. */
    public static AgentProcess start(String kind, Path config, Path log) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> argv = new java.util.ArrayList<>();
        argv.add(java);
        argv.addAll(JVM_OPTIONS);
        argv.addAll(List.of("-jar", jar().toString(), kind, "--config", config.toString()));
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            AgentProcess agent = new AgentProcess(kind, config, log, p);
            LIVE.add(agent);
            p.onExit().thenRun(() -> LIVE.remove(agent));
            return agent;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + argv, e);
        }
    }

    /** The same agent again: same config, same log. */
    public AgentProcess restarted() {
        return start(kind, config, log);
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path logFile() {
        return log;
    }

    public String log() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /** {@code kill -<signal> <pid>}. */
    public void signal(String signal) {
        Signals.send(signal, process.pid());
    }

    /** SIGTERM (the agent deregisters and stops its HAProxy), then waits for the exit; SIGKILL after 60 s. */
    public int terminate() {
        if (!process.isAlive()) {
            return process.exitValue();
        }
        signal("CONT"); // a stopped process would never handle SIGTERM
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        return process.isAlive() ? -1 : process.exitValue();
    }

    /** Stops the agent; a managed HAProxy it leaves behind (after a SIGKILL) is killed too. */
    @Override
    public void close() {
        List<ProcessHandle> children = process.descendants().toList();
        terminate();
        children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    @Override
    public String toString() {
        return kind + " agent pid " + process.pid() + " (" + config.getFileName() + ")";
    }
}
