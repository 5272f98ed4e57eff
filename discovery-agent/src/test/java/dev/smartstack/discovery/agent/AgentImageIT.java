package dev.smartstack.discovery.agent;

import static dev.smartstack.discovery.agent.SynapseAgentIT.backends;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import dev.smartstack.discovery.testing.DockerSupport;
import dev.smartstack.discovery.testing.Ports;
import dev.smartstack.discovery.testing.ZooKeeperContainer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.startupcheck.StartupCheckStrategy;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;

/**
 * The container image an operator builds: the repository's {@code Dockerfile} built with the
 * {@code smartstack.jar} of this very Maven run (failsafe runs after {@code package}), then
 * {@code synapse --check-config} and a real {@code synapse} run in it. The run uses the image's
 * HAProxy through {@code manage_process} (no {@code haproxy_path}: the one on the image's PATH)
 * and {@code file_output}, against a ZooKeeper and JDK HTTP backends on the host's 127.0.0.1 (the
 * container uses the host's network); SIGHUP reaches the agent through tini, and it is stopped as
 * {@code docker stop} stops it.
 *
 * <p>The base image is {@code -Dsmartstack.agentImage.base}, by default the ZooKeeper image the
 * other Docker tests use: a Debian with a JRE 17 that exists locally wherever they run, so that
 * nothing is pulled (CI reaches no registry; {@code ../shared/tools/docker-images.sh} builds it).
 */
@Tag("docker")
class AgentImageIT {
    private static final String BASE = System.getProperty("smartstack.agentImage.base", ZooKeeperContainer.DEFAULT_IMAGE);
    /** One tag per checkout, so that two checkouts testing at once never run each other's jar. */
    private static final String TAG = "smartstack-agent:it-"
            + Integer.toHexString(Path.of("").toAbsolutePath().getParent().toString().hashCode());
    private static final String CONFIG = "/etc/smartstack/synapse.conf.json";
    private static final String STATE_DIR = "/var/lib/smartstack";
    private static final String PATH = "/nerve/services/web/services";
    private static final Duration WAIT = Duration.ofSeconds(90);

    private static TestingServer zk;
    private static CuratorFramework writer;

    @TempDir
    Path dir;

    private final NamedBackends backends = new NamedBackends();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeAll
    static void buildImage() throws Exception {
        DockerSupport.assumeAvailable();
        Path module = Path.of("").toAbsolutePath();
        Path jar = module.resolve("target/smartstack.jar");
        Path mainClass = module.resolve("target/classes/dev/smartstack/discovery/agent/Main.class");
        assertThat(jar).as("the runnable jar; run the integration tests with 'mvn verify'").exists();
        assertThat(Files.getLastModifiedTime(jar)).as("%s is older than the compiled classes: a stale jar", jar)
                .isGreaterThanOrEqualTo(Files.getLastModifiedTime(mainClass));
        AgentImage.build(module.getParent(), BASE, TAG);
        zk = new TestingServer(true);
        writer = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(200));
        writer.start();
        assertThat(writer.blockUntilConnected(30, TimeUnit.SECONDS)).isTrue();
    }

    @AfterAll
    static void stopZooKeeper() throws IOException {
        if (writer != null) {
            writer.close();
        }
        if (zk != null) {
            zk.close();
        }
    }

    @AfterEach
    void stopBackends() {
        backends.close();
    }

    @Test
    void checkConfig_validFile_exits0WithSummary_invalidFile_exits2NamingTheFile() {
        Run valid = runToExit(config(Ports.freePort()), "synapse", "--config", CONFIG, "--check-config");
        assertThat(valid.exitCode()).as(valid.logs()).isZero();
        assertThat(valid.logs()).contains(CONFIG + ": OK: ", "web");

        Run invalid = runToExit("{\"services\": {}}", "synapse", "--config", CONFIG, "--check-config");
        assertThat(invalid.exitCode()).as(invalid.logs()).isEqualTo(Main.EXIT_CONFIG);
        assertThat(invalid.logs()).contains("smartstack: " + CONFIG + ": ").doesNotContain("Exception");
    }

    @Test
    void synapse_managedHaproxyAndFileOutput_trafficFollowsZooKeeper_sighupMovesTheFrontend_dockerStopSavesStateAndExits143() throws Exception {
        int front = Ports.freePort();
        register("a_0000000001", "a", backends.start("A"));
        try (Agent agent = agent(config(front))) {
            agent.withCommand("synapse", "--config", CONFIG).start();
            await().atMost(WAIT).until(() -> responders(front).equals(Set.of("A")));

            register("b_0000000002", "b", backends.start("B"));
            await().atMost(WAIT).until(() -> responders(front).equals(Set.of("A", "B")));
            Path out = dir.resolve("web.json");
            // the file output is independent of HAProxy's: its file may not be there yet
            await().atMost(WAIT).ignoreExceptions()
                    .until(() -> backends(copyFrom(agent, STATE_DIR + "/out/web.json", out)).size() == 2);

            DockerClient docker = agent.getDockerClient();
            int moved = Ports.freePort();
            agent.copyFileToContainer(Transferable.of(config(moved)), CONFIG);
            docker.killContainerCmd(agent.getContainerId()).withSignal("HUP").exec(); // through tini to the agent
            await().atMost(WAIT).until(() -> responders(moved).equals(Set.of("A", "B")));

            docker.stopContainerCmd(agent.getContainerId()).withTimeout(30).exec(); // SIGTERM, as docker stop
            long exit = docker.inspectContainerCmd(agent.getContainerId()).exec().getState().getExitCodeLong();
            String logs = agent.getLogs();
            assertThat(exit).as(logs).isEqualTo(143);
            assertThat(logs).contains("synapse stopped").doesNotContain("Exception", "exited unexpectedly");
            Path state = copyFrom(agent, STATE_DIR + "/haproxy.cfg.state", dir.resolve("haproxy.cfg.state"));
            assertThat(Files.readString(state)).startsWith("1\n").contains(" web ");
        }
    }

    /** A synapse config: the image's HAProxy managed, its frontend on 127.0.0.1:{@code front}, and file_output. */
    private static String config(int front) {
        return """
                {
                  "haproxy": {
                    "manage_process": true,
                    "config_file_path": "%1$s/haproxy.cfg",
                    "restart_interval": 0.2,
                    "bind_address": "127.0.0.1",
                    "global": [],
                    "defaults": ["mode http", "timeout connect 2s", "timeout client 10s", "timeout server 10s"]
                  },
                  "file_output": {"output_directory": "%1$s/out"},
                  "services": {
                    "web": {
                      "discovery": {"method": "zookeeper", "path": "%2$s", "hosts": ["%3$s"]},
                      "haproxy": {"port": %4$d}
                    }
                  }
                }
                """.formatted(STATE_DIR, PATH, zk.getConnectString(), front);
    }

    private static Agent agent(String config) {
        return new Agent(DockerImageName.parse(TAG))
                .withNetworkMode("host")
                .withEnv("JAVA_OPTS", "-Xmx64m -XX:TieredStopAtLevel=1")
                .withCopyToContainer(Transferable.of(config), CONFIG);
    }

    private record Run(long exitCode, String logs) {
    }

    /** Runs the image with {@code args} until it exits, and returns its exit code and output. */
    private static Run runToExit(String config, String... args) {
        try (Agent agent = agent(config)) {
            agent.withCommand(args).withStartupCheckStrategy(new Exited().withTimeout(WAIT)).start();
            long exit = agent.getDockerClient().inspectContainerCmd(agent.getContainerId()).exec()
                    .getState().getExitCodeLong();
            return new Run(exit, agent.getLogs());
        }
    }

    private static Path copyFrom(Agent agent, String containerPath, Path to) {
        return agent.copyFileFromContainer(containerPath, in -> {
            Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
            return to;
        });
    }

    private static void register(String child, String name, int port) throws Exception {
        writer.create().creatingParentsIfNeeded().forPath(PATH + "/" + child,
                ("{\"name\": \"" + name + "\", \"host\": \"127.0.0.1\", \"port\": " + port + "}").getBytes(StandardCharsets.UTF_8));
    }


    /** Who answers 8 requests to HAProxy's frontend; failed requests are left out. */
    private Set<String> responders(int port) throws InterruptedException {
        Set<String> ids = new TreeSet<>();
        for (int i = 0; i < 8; i++) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    ids.add(r.body());
                }
            } catch (IOException e) {
                // not serving (yet): the caller awaits
            }
        }
        return ids;
    }

    /** Only to give GenericContainer its self type. */
    static final class Agent extends GenericContainer<Agent> {
        Agent(DockerImageName image) {
            super(image);
        }
    }

    /** Started once the container has exited, whatever its exit code (the test reads it). */
    static final class Exited extends StartupCheckStrategy {
        @Override
        public StartupStatus checkStartupState(DockerClient docker, String containerId) {
            return Boolean.TRUE.equals(getCurrentState(docker, containerId).getRunning())
                    ? StartupStatus.NOT_YET_KNOWN : StartupStatus.SUCCESSFUL;
        }
    }
}
