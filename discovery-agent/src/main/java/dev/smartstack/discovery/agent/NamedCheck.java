package dev.smartstack.discovery.agent;

import dev.smartstack.discovery.nerve.HealthCheck;
import dev.smartstack.discovery.nerve.HealthResult;
import java.time.Duration;

/** A check with the {@code name} of its config entry, for logs. */
final class NamedCheck implements HealthCheck {
    private final String name;
    private final HealthCheck delegate;

    NamedCheck(String name, HealthCheck delegate) {
        this.name = name;
        this.delegate = delegate;
    }

    @Override
    public HealthResult check() {
        return delegate.check();
    }

    @Override
    public Duration timeout() {
        return delegate.timeout();
    }

    @Override
    public String toString() {
        return "'" + name + "' (" + delegate + ")";
    }
}
