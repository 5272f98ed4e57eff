package dev.smartstack.discovery.chaos;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The cast of one experiment, all on 127.0.0.1: N backends, each with its own Nerve agent process
 * (an HTTP check on {@code /health}), and one Synapse agent process with a managed HAProxy
 * ({@code manage_process}) and a {@code file_output}, watching the service {@code web}. The agents
 * are configured with Ruby-style config files (the keys of docs/configuration.md) and nothing else.
 *
 * <p>{@link #awaitConverged} is the check after every scenario: every healthy backend registered
 * exactly once in ZooKeeper (read by a separate client), the watcher's file output equal to that
 * truth, HAProxy's servers in rotation equal to it, and, with traffic flowing, every healthy
 * backend answering requests through HAProxy.
 */
public final class Rig implements AutoCloseable {
    public static final String SERVICE = "web";
    public static final String PATH = "/nerve/services/web/services";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final List<String> agentHosts;
    private final Duration sessionTimeout;
    private final List<Backend> backends;
    private final Map<Backend, AgentProcess> nerves = new HashMap<>();
    private final int frontendPort;
    private final Registry registry;
    private AgentProcess synapse;

    private Rig(Path dir, String agentHosts, String observerHosts, List<Backend> backends, Duration sessionTimeout) {
        this.dir = dir;
        this.agentHosts = List.of(agentHosts.split(","));
        this.sessionTimeout = sessionTimeout;
        this.backends = List.copyOf(backends);
        this.frontendPort = freePort();
        this.registry = new Registry(observerHosts, PATH);
    }

    /**
     * Starts the backends, their Nerve agents and the Synapse agent, and waits until they converge.
     *
     * @param agentHosts the connect string written into the agents' configs
     * @param observerHosts the connect string of the rig's own ZooKeeper client
     */
    public static Rig start(Path dir, String agentHosts, String observerHosts, int backendCount,
            Duration sessionTimeout, Duration timeout) {
        List<Backend> backends = new ArrayList<>();
        int[] ports = new int[backendCount];
        for (int i = 0; i < backendCount; i++) {
            ports[i] = freePort();
        }
        for (int i = 0; i < backendCount; i++) {
            backends.add(new Backend("b" + (i + 1), ports[i]));
        }
        Rig rig = new Rig(dir, agentHosts, observerHosts, backends, sessionTimeout);
        try {
            backends.forEach(Backend::start);
            for (Backend b : backends) {
                rig.nerves.put(b, AgentProcess.start("nerve", rig.writeNerveConfig(b), dir.resolve("nerve-" + b.id() + ".log")));
            }
            rig.synapse = AgentProcess.start("synapse", rig.writeSynapseConfig(), dir.resolve("synapse.log"));
            rig.awaitConverged(Set.copyOf(backends), null, timeout);
            return rig;
        } catch (RuntimeException | Error e) {
            rig.close();
            throw e;
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }

    private Path writeNerveConfig(Backend b) {
        ObjectNode root = JSON.createObjectNode();
        root.put("instance_id", b.id());
        root.put("zk_session_timeout", sessionTimeout.toMillis() / 1000.0);
        ObjectNode web = root.putObject("services").putObject(SERVICE);
        web.put("host", "127.0.0.1").put("port", b.port()).put("zk_path", PATH).put("check_interval", 0.2);
        ArrayNode hosts = web.putArray("zk_hosts");
        agentHosts.forEach(hosts::add);
        web.putArray("checks").addObject().put("type", "http").put("uri", "/health").put("timeout", 2)
                .put("rise", 1).put("fall", 2);
        return write("nerve-" + b.id() + ".conf.json", root);
    }

    private Path writeSynapseConfig() {
        ObjectNode root = JSON.createObjectNode();
        root.put("zk_session_timeout", sessionTimeout.toMillis() / 1000.0);
        root.putObject("file_output").put("output_directory", dir.resolve("out").toString());
        ObjectNode h = root.putObject("haproxy");
        h.put("manage_process", true).put("haproxy_path", "/usr/sbin/haproxy")
                .put("config_file_path", dir.resolve("haproxy.cfg").toString())
                .put("socket_file_path", statsSocket().toString())
                .put("restart_interval", 0.5).put("bind_address", "127.0.0.1");
        h.putArray("global");
        ArrayNode defaults = h.putArray("defaults");
        List.of("mode http", "timeout connect 2s", "timeout client 10s", "timeout server 10s").forEach(defaults::add);
        ObjectNode web = root.putObject("services").putObject(SERVICE);
        ObjectNode discovery = web.putObject("discovery").put("method", "zookeeper").put("path", PATH);
        ArrayNode hosts = discovery.putArray("hosts");
        agentHosts.forEach(hosts::add);
        web.putObject("haproxy").put("port", frontendPort);
        return write("synapse.conf.json", root);
    }

    private Path write(String name, ObjectNode config) {
        Path file = dir.resolve(name);
        try {
            Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        return file;
    }

    public List<Backend> backends() {
        return backends;
    }

    public Set<String> backendIds() {
        return backends.stream().map(Backend::id).collect(Collectors.toSet());
    }

    public int frontendPort() {
        return frontendPort;
    }

    public Path statsSocket() {
        return dir.resolve("haproxy.sock");
    }

    /** The managed HAProxy's master CLI: HaproxyOutput's default, {@code <config_file_path>.master}. */
    public Path masterSocket() {
        return dir.resolve("haproxy.cfg.master");
    }

    public AgentProcess synapse() {
        return synapse;
    }

    public AgentProcess nerve(Backend b) {
        return nerves.get(b);
    }

    /** Every agent process: the Nerve agents, then the Synapse agent. */
    public List<AgentProcess> agents() {
        List<AgentProcess> all = new ArrayList<>();
        backends.forEach(b -> all.add(nerves.get(b)));
        all.add(synapse);
        return all;
    }

    /** Starts {@code b}'s Nerve agent again with its config (after {@link AgentProcess#terminate()}). */
    public AgentProcess restartNerve(Backend b) {
        AgentProcess p = nerves.get(b).restarted();
        nerves.put(b, p);
        return p;
    }

    public Registry registry() {
        return registry;
    }

    /** What each source says now: ZooKeeper, the file output, HAProxy; for failure messages and reports. */
    public String describe() {
        return "zookeeper " + safe(registry::registrations) + ", file_output " + safe(this::fileOutput)
                + ", haproxy in rotation " + safe(this::serving);
    }

    public List<String> fileOutput() throws IOException {
        return Registry.fileOutput(dir.resolve("out").resolve(SERVICE + ".json"));
    }

    public Set<String> serving() throws IOException {
        return HaproxyCli.serving(statsSocket(), SERVICE);
    }

    public int reloads() throws IOException {
        return HaproxyCli.reloads(masterSocket());
    }

    private interface Source {
        Object get() throws Exception;
    }

    private static String safe(Source s) {
        try {
            return String.valueOf(s.get());
        } catch (Exception e) {
            return "(" + e + ")";
        }
    }

    /**
     * Waits until the registrations are exactly the {@code healthy} backends, once each, and the file
     * output and HAProxy's servers in rotation equal them; then, when {@code traffic} runs, until
     * every healthy backend has answered at least three more requests through HAProxy.
     */
    public void awaitConverged(Set<Backend> healthy, Traffic traffic, Duration timeout) {
        List<String> want = healthy.stream().map(Backend::address).sorted().toList();
        try {
            await().atMost(timeout).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .until(() -> registry.registrations().equals(want) && fileOutput().equals(want)
                            && serving().equals(new TreeSet<>(want)));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("within " + timeout + ", ZooKeeper, file_output and HAProxy did not all equal "
                    + "the healthy backends " + want + ", once each: " + describe(), e);
        }
        if (traffic != null && traffic.running()) {
            Map<String, Long> before = new HashMap<>();
            healthy.forEach(b -> before.put(b.id(), traffic.okFrom(b.id())));
            await("every healthy backend answers through HAProxy").atMost(timeout).pollInterval(Duration.ofMillis(100))
                    .until(() -> !traffic.running()
                            || healthy.stream().allMatch(b -> traffic.okFrom(b.id()) >= before.get(b.id()) + 3));
        }
    }

    /** Stops the agents (SIGTERM: each deregisters; Synapse stops its HAProxy) and the backends. */
    @Override
    public void close() {
        nerves.values().forEach(AgentProcess::close);
        if (synapse != null) {
            synapse.close();
        }
        backends.forEach(Backend::close);
        registry.close();
    }
}
