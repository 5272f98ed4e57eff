package dev.smartstack.discovery.agent;

import dev.smartstack.discovery.nerve.HealthCheck;
import dev.smartstack.discovery.nerve.HealthResult;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** (ext) A check that runs a command, without a shell, and passes when it exits 0 within its timeout. */
final class CommandCheck implements HealthCheck {
    private final String name;
    private final List<String> command;
    private final Duration timeout;

    CommandCheck(String name, List<String> command, Duration timeout) {
        this.name = name;
        this.command = List.copyOf(command);
        this.timeout = timeout;
    }

    @Override
    public HealthResult check() {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            return HealthResult.unhealthy(name + ": cannot run " + command.get(0) + ": " + e.getMessage());
        }
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return HealthResult.unhealthy(name + ": timed out after " + timeout.toMillis() + " ms");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            return HealthResult.unhealthy(name + ": interrupted");
        }
        int code = p.exitValue();
        return code == 0 ? HealthResult.ok() : HealthResult.unhealthy(name + ": exited with " + code);
    }

    @Override
    public Duration timeout() {
        // The process is killed at its own timeout; give the wait a little room beyond it.
        return timeout.plusMillis(500);
    }

    @Override
    public String toString() {
        return name;
    }
}
