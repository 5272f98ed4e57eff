package dev.smartstack.discovery.haproxy;

import dev.smartstack.discovery.core.ServiceInstance;

/**
 * Hears what the HAProxy output did and what went wrong. Every method has a default that does
 * nothing; the output logs each event itself.
 *
 * <p>Called on the output's reconciler thread ({@code smartstack-haproxy-<n>}), its install thread
 * ({@code smartstack-haproxy-config-<n>}), the thread that calls {@code start()} (the first start
 * of a managed HAProxy) or the thread that sees a managed HAProxy exit, never with the output's
 * lock held. A listener must be quick and must not block; an exception it throws is logged and
 * ignored.
 */
public interface HaproxyListener {

    /** HAProxy was reloaded (or restarted by the operator's command) for {@code reason}. */
    default void reloaded(String reason) {
    }

    /** A reload was attempted and failed; the running HAProxy keeps serving. */
    default void reloadFailed(String error) {
    }

    /**
     * The managed HAProxy ({@code manage_process}) exited without being asked to, for example after a
     * crash; the output starts it again (no sooner than {@code restart_interval} after the last
     * reload).
     */
    default void processExited(String description) {
    }

    /** A candidate config failed {@code haproxy -c}; the old file and the running HAProxy are kept. */
    default void configInvalid(String errorText) {
    }

    /**
     * A runtime API command failed: {@code response} is HAProxy's message, or the quoted answer
     * when it was not understood. A reload is scheduled to converge, unless the command was
     * refused for a server keyword that the running HAProxy does not take at run time (then that
     * backend is refused instead, see {@link #backendRefused}).
     */
    default void runtimeCommandFailed(String command, String response) {
    }

    /** A backend was left out of the config because its data is not acceptable. */
    default void backendRefused(String service, ServiceInstance instance, String reason) {
    }
}
