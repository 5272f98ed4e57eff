package dev.smartstack.discovery.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.smartstack.discovery.agent.config.SynapseConfig;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ruby's {@code statsd} key: the agent's metrics arrive as Datadog StatsD lines on a real UDP socket. */
class StatsdIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String PATH = "/nerve/services/web/services";

    @TempDir
    Path dir;

    @Test
    void statsd_refusedZnodeAndSnapshots_arriveAsDatadogLinesOverUdp() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        AtomicBoolean done = new AtomicBoolean();
        try (DatagramSocket udp = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                TestingServer zk = new TestingServer(true);
                CuratorFramework writer = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(200))) {
            udp.setSoTimeout(200);
            Thread receiver = new Thread(() -> {
                byte[] buf = new byte[65536];
                while (!done.get()) {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    try {
                        udp.receive(p);
                        new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8).lines().forEach(lines::add);
                    } catch (SocketTimeoutException e) {
                        continue;
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            }, "statsd-it-receiver");
            receiver.setDaemon(true);
            receiver.start();
            writer.start();
            assertThat(writer.blockUntilConnected(30, TimeUnit.SECONDS)).isTrue();
            writer.create().creatingParentsIfNeeded().forPath(PATH + "/good_0000000002",
                    "{\"name\": \"good\", \"host\": \"127.0.0.1\", \"port\": 8001}".getBytes(StandardCharsets.UTF_8));
            Path config = dir.resolve("synapse.conf.json");
            Files.writeString(config, """
                    {
                      "statsd": {"host": "127.0.0.1", "port": %d, "sample_rate": {"synapse.start": 0.5}},
                      "file_output": {"output_directory": "%s"},
                      "services": {"web": {"discovery": {"method": "zookeeper", "path": "%s", "hosts": ["%s"]}}}
                    }
                    """.formatted(udp.getLocalPort(), dir.resolve("out"), PATH, zk.getConnectString()));
            try (SynapseAgent agent = SynapseAgent.plan(SynapseConfig.load(config, config.toString()), config.toString())
                    .start()) {
                assertThat(agent.awaitInitialized(WAIT)).isTrue();
                // StatsD is UDP: lines sent before Micrometer's client has connected are lost, so wait
                // for the backends gauge (polled every 10 s) before counting on a refused znode.
                await().atMost(WAIT).until(() -> lines.stream().anyMatch(l -> l.startsWith("smartstack.synapse.backends:1|g|#")
                        && l.contains("service:web")));
                writer.create().forPath(PATH + "/bad_0000000003",
                        "{\"name\": \"bad\", \"host\": \"127.0.0.1\", \"port\": 70000}".getBytes(StandardCharsets.UTF_8));
                await().atMost(WAIT).until(() -> lines.stream().anyMatch(l -> l.startsWith("smartstack.synapse.znode.refused:1|c|#")
                        && l.contains("service:web")));
                writer.create().forPath(PATH + "/good_0000000004",
                        "{\"name\": \"good2\", \"host\": \"127.0.0.1\", \"port\": 8002}".getBytes(StandardCharsets.UTF_8));
                await().atMost(WAIT).until(() -> lines.stream().anyMatch(l -> l.startsWith("smartstack.synapse.snapshot:1|c|#")
                        && l.contains("service:web")));
                await().atMost(WAIT).until(() -> lines.stream().anyMatch(l -> l.startsWith("smartstack.synapse.backends:2|g|#")
                        && l.contains("service:web")));
            } finally {
                done.set(true);
            }
        }
    }
}
