package dev.smartstack.discovery.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.core.ZooKeeperSettings;
import dev.smartstack.discovery.smartstack.SmartStack;
import dev.smartstack.discovery.synapse.FileOutput;
import dev.smartstack.discovery.synapse.NoInstanceAvailableException;
import dev.smartstack.discovery.synapse.SynapseWatcher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The tour's {@code service_b}: it calls {@code service_a} through what its Synapse keeps up to
 * date. With HAProxy (see {@link HaproxyFront}) every request goes to HAProxy's frontend on
 * 127.0.0.1; without, to the instance the in-process {@code ServiceProvider} picks, and while its
 * Synapse is down to the backends of the {@code file_output} file, as any consumer of that file would.
 */
final class ServiceB implements AutoCloseable {
    static final String SERVICE = "service_a";

    private final ZooKeeperSettings settings;
    private final String path;
    private final Path fileOutputDir;
    private final Path stateFile;
    private final HaproxyFront haproxy;
    private final AtomicInteger roundRobin = new AtomicInteger();
    private final ObjectMapper json = new ObjectMapper();
    private SmartStack stack;

    ServiceB(ZooKeeperSettings settings, String path, Path workDir, HaproxyFront haproxy) {
        this.settings = settings;
        this.path = path;
        this.fileOutputDir = workDir.resolve("service_b-synapse");
        this.stateFile = workDir.resolve("service_b-synapse.state.json");
        this.haproxy = haproxy;
    }

    /** Starts service_b's Synapse: a watcher of service_a with its outputs. */
    synchronized void start() {
        SmartStack.Builder b = SmartStack.builder()
                .zooKeeper(settings)
                .discover(SERVICE, path)
                .stateFile(stateFile)
                .output(FileOutput.builder().directory(fileOutputDir).build().start(java.util.Set.of(SERVICE)));
        if (haproxy != null) {
            b.output(haproxy.newOutput());
        }
        stack = b.build().start();
    }

    /** service_b's Synapse goes away at once: the watcher and its session are closed. */
    synchronized void crash() {
        SmartStack s = stack;
        stack = null;
        if (s != null) {
            s.close();
        }
    }

    synchronized boolean running() {
        return stack != null;
    }

    synchronized SmartStack stack() {
        return stack;
    }

    /** What the requests go through, for the tour's output. */
    String route() {
        if (haproxy != null) {
            return "HAProxy's frontend 127.0.0.1:" + haproxy.port();
        }
        return running() ? "the in-process ServiceProvider" : "the file_output " + fileOutputDir.resolve(SERVICE + ".json");
    }

    /** The instance ids service_b currently routes to (empty while its Synapse is down). */
    synchronized Set<String> backends() {
        Set<String> names = new TreeSet<>();
        if (stack != null) {
            stack.provider(SERVICE).instances().forEach(i -> names.add(i.name()));
        }
        return names;
    }

    /** The number of backends, counting duplicates (an old and a new znode of the same instance). */
    synchronized int backendCount() {
        return stack == null ? 0 : stack.provider(SERVICE).instances().size();
    }

    synchronized SynapseWatcher.State state() {
        return stack == null ? SynapseWatcher.State.CLOSED : stack.synapse().orElseThrow().state();
    }

    /** One request to service_a, as service_b sends it. */
    Http.Reply request() {
        if (haproxy != null) {
            return Http.get(haproxy.port(), "/");
        }
        ServiceInstance target;
        synchronized (this) {
            if (stack != null) {
                try {
                    target = stack.provider(SERVICE).next();
                } catch (NoInstanceAvailableException e) {
                    return new Http.Reply(0, "no instance available");
                }
            } else {
                List<int[]> fromFile = fileBackends();
                if (fromFile.isEmpty()) {
                    return new Http.Reply(0, "no backend in the file_output");
                }
                int[] hp = fromFile.get(Math.floorMod(roundRobin.getAndIncrement(), fromFile.size()));
                return Http.get(hp[0], "/");
            }
        }
        return Http.get(target.port(), "/");
    }

    /**
     * Whether a few requests, sent as service_b sends them, all succeed and are answered by exactly
     * {@code nodes} (with HAProxy, this also checks that HAProxy itself has caught up).
     */
    boolean routesTo(Set<String> nodes) {
        Set<String> seen = new TreeSet<>();
        for (int i = 0; i < 3 * Math.max(1, nodes.size()); i++) {
            Http.Reply r = request();
            if (!r.ok()) {
                return false;
            }
            seen.add(r.body());
        }
        return seen.equals(nodes);
    }

    /** The ports of the backends in the file_output file. */
    List<int[]> fileBackends() {
        List<int[]> ports = new ArrayList<>();
        try {
            JsonNode array = json.readTree(Files.readString(fileOutputDir.resolve(SERVICE + ".json")));
            for (JsonNode n : array) {
                ports.add(new int[] {n.path("port").asInt()});
            }
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
        return ports;
    }

    @Override
    public void close() {
        crash();
        if (haproxy != null) {
            haproxy.close();
        }
    }
}
