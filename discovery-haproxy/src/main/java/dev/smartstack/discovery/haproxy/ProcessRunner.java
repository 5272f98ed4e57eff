package dev.smartstack.discovery.haproxy;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command as argv, never through a shell, bounded by a timeout. */
final class ProcessRunner {
    private ProcessRunner() {
    }

    /** Null on exit 0, else a description of the failure starting with {@code "<what> exited with <n>:"} when it ran. */
    static String run(List<String> argv, String what, Duration timeout) {
        Path out = null;
        Process p = null;
        try {
            out = Files.createTempFile("smartstack-haproxy-", ".out");
            p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return what + " did not finish within " + timeout;
            }
            if (p.exitValue() == 0) {
                return null;
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            if (text.length() > 4000) {
                text = text.substring(0, 4000) + "...";
            }
            return what + " exited with " + p.exitValue() + ": " + text.strip();
        } catch (IOException e) {
            return what + " could not run: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (p != null) {
                p.destroyForcibly();
            }
            return what + " was interrupted";
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }
}
