package dev.smartstack.discovery.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM of the tour, started from the current {@code java} and class path, its output
 * appended to a log file. {@link #kill9()} is SIGKILL. The child halts by itself when the tour's
 * JVM goes away (see {@link NerveChild}).
 */
final class ChildJvm implements AutoCloseable {
    static final String PARENT_PID = "smartstack.tour.parentPid";

    private final Process process;
    private final Path log;

    private ChildJvm(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    static ChildJvm launch(Class<?> main, List<String> args, Path log) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("-Xmx96m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Djava.net.preferIPv4Stack=true", "-D" + PARENT_PID + "=" + ProcessHandle.current().pid(),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                "-Dorg.slf4j.simpleLogger.log.org.apache.zookeeper=warn",
                "-Dorg.slf4j.simpleLogger.log.org.apache.curator=warn",
                "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(args);
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.PIPE).start();
            return new ChildJvm(p, log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot launch " + main.getSimpleName() + ": " + command, e);
        }
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    Path log() {
        return log;
    }

    /** SIGKILL, then waits (bounded) until the process is gone. */
    void kill9() {
        process.destroyForcibly();
        try {
            process.waitFor(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill9();
        }
    }
}
