package dev.smartstack.discovery.agent.config;

import java.util.Objects;

/**
 * A password read from a config file, a file it names or an environment variable. It never shows
 * itself: {@link #toString()} is {@code (hidden)}, so a record that holds one can be logged.
 * Two secrets are equal when their values are, so that a reload notices a changed password.
 */
public final class Secret {
    private final String value;

    Secret(String value) {
        this.value = Objects.requireNonNull(value, "value == null");
    }

    /** The password itself: hand it to the one API that needs it, never to a log line or a message. */
    public String reveal() {
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret s && s.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    @Override
    public String toString() {
        return "(hidden)";
    }
}
