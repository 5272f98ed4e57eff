package dev.smartstack.discovery.core.internal;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A thread-safe list of listeners. Each call is wrapped in {@code catch (Throwable)}: a failing
 * listener is logged with its identity and the others still run.
 */
public final class Listeners<L> {
    private static final Logger log = LoggerFactory.getLogger(Listeners.class);

    private final List<L> listeners = new CopyOnWriteArrayList<>();

    public void add(L listener) {
        listeners.add(listener);
    }

    public void remove(L listener) {
        listeners.remove(listener);
    }

    public void addAll(List<? extends L> list) {
        listeners.addAll(list);
    }

    public boolean isEmpty() {
        return listeners.isEmpty();
    }

    /** Calls {@code call} on every listener; one failing listener does not stop the others. */
    public void fire(Consumer<? super L> call) {
        for (L l : listeners) {
            try {
                call.accept(l);
            } catch (Throwable t) {
                log.error("listener {} failed", l, t);
            }
        }
    }
}
