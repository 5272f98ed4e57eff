package dev.smartstack.discovery.nerve;

/**
 * Events of a {@link NerveReporter}. Every method has an empty default, so implement only what you
 * need.
 *
 * <p>{@code up} and {@code down} are called on the service's check thread, the others on its
 * registration thread (both {@code smartstack-nerve-<service>-N}); each thread calls one event at
 * a time, in the order things happened, and a registration change always follows the check
 * result that caused it. A listener must be quick and must not block: the thread that calls it
 * waits for it. A listener that throws is logged and the reporter carries on.
 */
public interface NerveListener {
    /** The service's checks reached {@code rise} passes (or it left maintenance while healthy). */
    default void up(String service) {
    }

    /** The service's checks reached {@code fall} failures; {@code reason} is the failing check's. */
    default void down(String service, String reason) {
    }

    /** The service's znode was created at {@code path}. */
    default void registered(String service, String path) {
    }

    /** The service's znode at {@code path} was deleted (down, maintenance or close). */
    default void deregistered(String service, String path) {
    }

    /** ZooKeeper trouble that the reporter will retry; the cause names service and path. */
    default void error(String service, Throwable error) {
    }
}
