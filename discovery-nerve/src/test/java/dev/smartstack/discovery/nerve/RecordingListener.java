package dev.smartstack.discovery.nerve;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records every event as a string such as {@code "registered /a/b_0000000000"}. */
final class RecordingListener implements NerveListener {
    final List<String> events = new CopyOnWriteArrayList<>();
    final List<String> threads = new CopyOnWriteArrayList<>();

    @Override
    public void up(String service) {
        add("up " + service);
    }

    @Override
    public void down(String service, String reason) {
        add("down " + service + ": " + reason);
    }

    @Override
    public void registered(String service, String path) {
        add("registered " + path);
    }

    @Override
    public void deregistered(String service, String path) {
        add("deregistered " + path);
    }

    @Override
    public void error(String service, Throwable error) {
        add("error " + error.getMessage());
    }

    private void add(String event) {
        events.add(event);
        threads.add(Thread.currentThread().getName());
    }

    long count(String prefix) {
        return events.stream().filter(e -> e.startsWith(prefix)).count();
    }
}
