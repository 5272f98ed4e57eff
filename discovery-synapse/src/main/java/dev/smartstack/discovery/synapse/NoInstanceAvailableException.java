package dev.smartstack.discovery.synapse;

/**
 * Thrown by {@link ServiceProvider#next()} and {@link ServiceProvider#acquire()} when the service
 * has no backend at all (none discovered yet, or none registered and no defaults).
 */
public final class NoInstanceAvailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String service;

    NoInstanceAvailableException(String service) {
        super("service '" + service + "' has no instance");
        this.service = service;
    }

    /** The service that has no instance. */
    public String service() {
        return service;
    }
}
