package dev.smartstack.discovery.agent;

import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.haproxy.HaproxyListener;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * The HAProxy output's events for {@code /status} (the last reload, the last reload failure, the
 * last invalid config, the last runtime command failures, managed-process exits). The output
 * counts them itself on its {@code DiscoveryMetrics}. A backend the output refuses is listed with
 * the service's refused znodes.
 */
final class HaproxyStatus implements HaproxyListener {
    /** How many runtime command failures are kept. */
    static final int MAX_RUNTIME_ERRORS = 20;

    /** An event: when, and what. */
    record Event(String time, String what) {
    }

    /** The {@code haproxy} part of {@code /status}. */
    record Document(Event lastReload, Event lastReloadFailure, Event lastInvalidConfig, Event lastProcessExit,
            long processExits, List<Event> runtimeErrors) {
    }

    private final SynapseStatus synapse;
    private final Deque<Event> runtimeErrors = new ArrayDeque<>();
    private volatile Event lastReload;
    private volatile Event lastReloadFailure;
    private volatile Event lastInvalidConfig;
    private volatile Event lastProcessExit;
    private volatile long processExits;

    HaproxyStatus(SynapseStatus synapse) {
        this.synapse = synapse;
    }

    private static Event now(String what) {
        return new Event(Instant.now().toString(), what);
    }

    @Override
    public void reloaded(String reason) {
        lastReload = now(reason);
    }

    @Override
    public void reloadFailed(String error) {
        lastReloadFailure = now(error);
    }

    @Override
    public synchronized void processExited(String description) {
        lastProcessExit = now(description);
        processExits++;
    }

    @Override
    public void configInvalid(String errorText) {
        lastInvalidConfig = now(errorText);
    }

    @Override
    public void runtimeCommandFailed(String command, String response) {
        synchronized (runtimeErrors) {
            runtimeErrors.addLast(now(command + ": " + response));
            while (runtimeErrors.size() > MAX_RUNTIME_ERRORS) {
                runtimeErrors.removeFirst();
            }
        }
    }

    @Override
    public void backendRefused(String service, ServiceInstance instance, String reason) {
        synapse.refused(service, "haproxy backend " + instance.name() + " " + instance.address(), reason);
    }

    Document document() {
        List<Event> errors;
        synchronized (runtimeErrors) {
            errors = List.copyOf(runtimeErrors);
        }
        long exits;
        synchronized (this) {
            exits = processExits;
        }
        return new Document(lastReload, lastReloadFailure, lastInvalidConfig, lastProcessExit, exits, errors);
    }
}
