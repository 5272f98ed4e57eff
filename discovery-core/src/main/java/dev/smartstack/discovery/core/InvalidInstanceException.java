package dev.smartstack.discovery.core;

/**
 * A value that must not become part of a {@link ServiceInstance}: it is malformed, out of range, or
 * could inject configuration into a consumer such as HAProxy. The message names the field, says
 * what was expected and shows the bad value with control characters escaped.
 */
public final class InvalidInstanceException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String field;

    public InvalidInstanceException(String field, String message) {
        super(message);
        this.field = field;
    }

    public InvalidInstanceException(String field, String message, Throwable cause) {
        super(message, cause);
        this.field = field;
    }

    /** The field that was refused, for example {@code "host"} or {@code "labels.zone"}. */
    public String field() {
        return field;
    }
}
