package dev.smartstack.discovery.agent;

import dev.smartstack.discovery.nerve.NerveListener;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What the nerve agent serves on {@code /status} and {@code /health}, fed by each reporter's
 * {@link NerveListener} events (quick, no I/O) and read by the admin server's thread.
 *
 * <p>Per service: {@code UP}, {@code DOWN} (with the failing check's reason) or {@code UNKNOWN}
 * before the first verdict; its znode while registered; the last ZooKeeper error and how many
 * reports failed in a row. {@code /health} is 503 while a ZooKeeper client is disconnected or a
 * service's last report failed; a service whose own checks fail is reported, not unhealthy: that
 * is what the agent is for.
 */
final class NerveStatus implements NerveListener {

    /** The gauge of each ZooKeeper client: 1 while connected, else 0. Tag: hosts. */
    static final String CONNECTED = "smartstack.nerve.zookeeper.connected";

    /** One service on {@code /status}. */
    record Service(String checks, String reason, String since, boolean registered, String znode,
            int failedReports, String lastError) {
    }

    /** One ZooKeeper client on {@code /status}. */
    record Client(String hosts, boolean connected) {
    }

    /** The whole {@code /status} document. */
    record Document(String agent, String instanceId, List<Client> zookeeper, Map<String, Service> services) {
    }

    private record Verdict(String checks, String reason, String since) {
    }

    private final String instanceId;
    private final Supplier<List<String>> services;
    private final Supplier<List<Client>> clients;
    private final Function<String, Optional<String>> znode;
    private final Function<String, Integer> failures;
    private final Map<String, Verdict> verdicts = new ConcurrentHashMap<>();
    private final Map<String, String> lastError = new ConcurrentHashMap<>();

    /**
     * @param services the running services' names
     * @param clients each ZooKeeper client and whether it is connected
     * @param znode a service's znode while registered
     * @param failures how many reports of a service failed in a row
     */
    NerveStatus(String instanceId, Supplier<List<String>> services, Supplier<List<Client>> clients,
            Function<String, Optional<String>> znode, Function<String, Integer> failures) {
        this.instanceId = instanceId;
        this.services = services;
        this.clients = clients;
        this.znode = znode;
        this.failures = failures;
    }

    @Override
    public void up(String service) {
        verdicts.put(service, new Verdict("UP", "", Instant.now().toString()));
    }

    @Override
    public void down(String service, String reason) {
        verdicts.put(service, new Verdict("DOWN", reason, Instant.now().toString()));
    }

    @Override
    public void error(String service, Throwable error) {
        lastError.put(service, Instant.now() + " " + error);
    }

    /** Forgets a stopped service. */
    void removed(String service) {
        verdicts.remove(service);
        lastError.remove(service);
    }

    Document document() {
        Map<String, Service> out = new LinkedHashMap<>();
        for (String name : services.get()) {
            Verdict v = verdicts.getOrDefault(name, new Verdict("UNKNOWN", "", ""));
            Optional<String> path = znode.apply(name);
            out.put(name, new Service(v.checks(), v.reason(), v.since(), path.isPresent(), path.orElse(""),
                    failures.apply(name), lastError.getOrDefault(name, "")));
        }
        return new Document("nerve", instanceId, clients.get(), out);
    }

    /** Empty while every ZooKeeper client is connected and no service's last report failed; else why not. */
    Optional<String> unhealthy() {
        List<String> bad = new ArrayList<>();
        for (Client c : clients.get()) {
            if (!c.connected()) {
                bad.add("ZooKeeper " + c.hosts() + " is disconnected");
            }
        }
        for (String name : services.get()) {
            int n = failures.apply(name);
            if (n > 0) {
                bad.add("service " + name + ": " + n + " report(s) failed in a row");
            }
        }
        return bad.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", bad));
    }
}
