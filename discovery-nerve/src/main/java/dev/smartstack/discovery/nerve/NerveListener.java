package dev.smartstack.discovery.nerve;

/**
 * Events of a {@link NerveReporter}. Every method has an empty default, so implement only what you
 * need.
 *
 * <p>The methods are called on the reporting thread of the service concerned
 * ({@code smartstack-nerve-<service>-N}), one event at a time per service, in the order things
 * happened. A listener must be quick and must not block: the service's checks wait for it. A
 * listener that throws is logged and the reporter carries on.
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
