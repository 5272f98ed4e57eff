package dev.smartstack.discovery.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link WatcherMain} in its own JVM (the current {@code java} and class path), and the line
 * protocol to it. Its stderr (the watcher's logs) goes to a file.
 */
final class WatcherProcess implements AutoCloseable {
    /** The watcher JVM's options: the same for both sides. */
    static final List<String> JVM_OPTIONS = List.of("-Xmx1g", "-XX:+UseG1GC", "-Djava.net.preferIPv4Stack=true",
            "-Djute.maxbuffer=" + WatchRace.JUTE_MAXBUFFER, "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");

    private final Process process;
    private final PrintWriter in;
    private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
    private final Path log;

    WatcherProcess(String side, String connectString, String servicePath, String decodeMethod, Path log) {
        this.log = log;
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_OPTIONS);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(WatcherMain.class.getName());
        command.addAll(List.of(side, connectString, servicePath, decodeMethod));
        try {
            process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot launch " + command, e);
        }
        in = new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), true);
        Thread reader = new Thread(this::readAnswers, "race-watcher-" + side + "-reader");
        reader.setDaemon(true);
        reader.start();
    }

    private void readAnswers() {
        try (BufferedReader r = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("@")) {
                    answers.add(line.substring(1));
                }
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    void send(String command) {
        in.println(command);
    }

    /** Sends {@code command} and returns the rest of the answer starting with {@code word}. */
    String ask(String command, String word, Duration timeout) {
        send(command);
        return await(word, timeout);
    }

    /**
     * The rest of the next answer that starts with {@code word} (earlier answers of other kinds are
     * dropped).
     *
     * @throws IllegalStateException when none comes within {@code timeout}
     */
    String await(String word, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            String answer;
            try {
                answer = left <= 0 ? null : answers.poll(left, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            if (answer == null) {
                throw new IllegalStateException("watcher sent no " + word + " within " + timeout
                        + (process.isAlive() ? "" : " (its JVM exited " + process.exitValue() + ")") + "; log "
                        + log + ":\n" + tail());
            }
            if (answer.equals(word) || answer.startsWith(word + " ")) {
                return answer.substring(word.length()).trim();
            }
        }
    }

    /** The next {@code @SEEN} time, or -1 when none comes within {@code timeout}. */
    long awaitSeen(Duration timeout) {
        try {
            return Long.parseLong(await("SEEN", timeout));
        } catch (IllegalStateException e) {
            if (!process.isAlive()) {
                throw e;
            }
            return -1;
        }
    }

    /** Drops answers not yet read (a late {@code @SEEN} after a timeout). */
    void drain() {
        answers.clear();
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        try {
            send("QUIT");
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
