package dev.smartstack.discovery.testing;

import java.util.concurrent.atomic.AtomicReference;

/** The LATENT, STARTED, CLOSED life cycle shared by the fixtures. */
enum State {
    LATENT, STARTED, CLOSED;

    static void start(AtomicReference<State> state, String what) {
        if (!state.compareAndSet(LATENT, STARTED)) {
            throw new IllegalStateException(what + " cannot be started: it is " + state.get());
        }
    }

    static void requireStarted(AtomicReference<State> state, String what) {
        if (state.get() != STARTED) {
            throw new IllegalStateException(what + " is not started: it is " + state.get());
        }
    }

    /** Whether this call moved the state to CLOSED (false when it was already closed). */
    static boolean close(AtomicReference<State> state) {
        return state.getAndSet(CLOSED) != CLOSED;
    }
}
