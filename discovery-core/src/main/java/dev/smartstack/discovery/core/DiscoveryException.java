package dev.smartstack.discovery.core;

/**
 * ZooKeeper trouble at run time: the service and the path it concerns, and the cause.
 */
public class DiscoveryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String service;
    private final String path;

    public DiscoveryException(String service, String path, String message, Throwable cause) {
        super("service '" + service + "' at " + path + ": " + message, cause);
        this.service = service;
        this.path = path;
    }

    public DiscoveryException(String service, String path, String message) {
        this(service, path, message, null);
    }

    /** The service concerned. */
    public String service() {
        return service;
    }

    /** The ZooKeeper path concerned. */
    public String path() {
        return path;
    }
}
