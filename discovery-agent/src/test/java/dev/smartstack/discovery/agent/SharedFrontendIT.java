package dev.smartstack.discovery.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.smartstack.discovery.testing.Ports;
import dev.smartstack.discovery.agent.config.SynapseConfig;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ruby Synapse's {@code shared_frontend}: one port of the real /usr/sbin/haproxy routes by Host
 * header to services that have no port of their own (one of them without any {@code haproxy}
 * section, a backend only as in Ruby), with each candidate validated by the operator's
 * {@code check_command} at {@code candidate_config_file_path}; a refused candidate leaves the
 * installed config serving. Backends are JDK HTTP servers
 * registered as Nerve znodes in a real ZooKeeper.
 */
class SharedFrontendIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private final NamedBackends backends = new NamedBackends();

    @AfterEach
    void stopBackends() {
        backends.close();
    }



    /** The body of one request with this Host header, or the status line of another answer, or "ERR". */
    private static String get(int port, String host) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(2000);
            s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            if (!response.startsWith("HTTP/1.1 200")) {
                return response.lines().findFirst().orElse("ERR");
            }
            return response.substring(response.indexOf("\r\n\r\n") + 4);
        } catch (IOException e) {
            return "ERR";
        }
    }

    private static void register(CuratorFramework c, String service, String child, int port) throws Exception {
        c.create().creatingParentsIfNeeded().forPath("/nerve/services/" + service + "/services/" + child,
                ("{\"name\": \"" + child + "\", \"host\": \"127.0.0.1\", \"port\": " + port + "}")
                        .getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void sharedFrontend_requestsRoutedByHostHeaderThroughOnePort() throws Exception {
        int web = backends.start("WEB");
        int api = backends.start("API");
        int batch = backends.start("BATCH");
        int front = Ports.freePort();
        try (TestingServer zk = new TestingServer(true);
                CuratorFramework writer = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(200))) {
            writer.start();
            assertThat(writer.blockUntilConnected(30, TimeUnit.SECONDS)).isTrue();
            register(writer, "web", "web_0000000001", web);
            register(writer, "api", "api_0000000001", api);
            register(writer, "batch", "batch_0000000001", batch);
            Path cfg = dir.resolve("haproxy.cfg");
            Path candidate = dir.resolve("candidate").resolve("haproxy-candidate.cfg");
            Path file = dir.resolve("synapse.conf.json");
            Files.writeString(file, """
                    {
                      "haproxy": {
                        "manage_process": true,
                        "haproxy_path": "/usr/sbin/haproxy",
                        "config_file_path": "%1$s",
                        "do_checks": true,
                        "check_command": "/usr/sbin/haproxy -c -f %2$s",
                        "candidate_config_file_path": "%2$s",
                        "server_order_seed": 7,
                        "restart_interval": 0.2,
                        "shared_frontend": ["bind 127.0.0.1:%3$d", "acl is_batch hdr(host) -i batch.lb",
                                            "use_backend batch if is_batch"],
                        "global": [],
                        "defaults": ["mode http", "timeout connect 2s", "timeout client 10s", "timeout server 10s"]
                      },
                      "services": {
                        "web": {
                          "discovery": {"method": "zookeeper", "path": "/nerve/services/web/services", "hosts": ["%4$s"]},
                          "haproxy": {"shared_frontend": ["acl is_web hdr(host) -i web.lb", "use_backend web if is_web"]}
                        },
                        "api": {
                          "discovery": {"method": "zookeeper", "path": "/nerve/services/api/services", "hosts": ["%4$s"]},
                          "haproxy": {"backend_name": "api_be",
                                      "shared_frontend": ["acl is_api hdr(host) -i api.lb", "use_backend api_be if is_api"]}
                        },
                        "batch": {
                          "discovery": {"method": "zookeeper", "path": "/nerve/services/batch/services", "hosts": ["%4$s"]}
                        }
                      }
                    }
                    """.formatted(cfg, candidate, front, zk.getConnectString()));
            try (SynapseAgent agent = SynapseAgent.plan(SynapseConfig.load(file, file.toString()), file.toString()).start()) {
                assertThat(agent.awaitInitialized(WAIT)).isTrue();
                await().atMost(WAIT).until(() -> get(front, "web.lb").equals("WEB"));
                assertThat(get(front, "api.lb")).isEqualTo("API");
                assertThat(get(front, "batch.lb")).isEqualTo("BATCH");
                assertThat(get(front, "other.lb")).startsWith("HTTP/1.1 503");
                String text = Files.readString(cfg);
                assertThat(text).contains("\nbackend batch\n").doesNotContain("frontend batch")
                        .contains("\nfrontend shared-frontend\n");
                assertThat(candidate).doesNotExist(); // checked by check_command, then moved into place

                int web2 = backends.start("WEB2");
                register(writer, "web", "web_0000000002", web2);
                await().atMost(WAIT).until(() -> {
                    java.util.Set<String> seen = new java.util.TreeSet<>();
                    for (int i = 0; i < 6; i++) {
                        seen.add(get(front, "web.lb"));
                    }
                    return seen.equals(java.util.Set.of("WEB", "WEB2"));
                });
                assertThat(get(front, "api.lb")).isEqualTo("API");

                // A candidate that check_command refuses is never installed: the old config keeps serving.
                String installed = Files.readString(cfg);
                Path bad = dir.resolve("bad.conf.json");
                Files.writeString(bad, Files.readString(file).replace("\"haproxy\": {\"backend_name\": \"api_be\",",
                        "\"haproxy\": {\"backend_name\": \"api_be\", \"backend\": [\"balance no-such-algorithm\"],"));
                assertThat(agent.reconfigure(SynapseAgent.plan(SynapseConfig.load(bad, bad.toString()), bad.toString())))
                        .isTrue();
                await().atMost(WAIT).until(() -> Files.exists(candidate)
                        && Files.readString(candidate).contains("balance no-such-algorithm"));
                assertThat(Files.readString(cfg)).isEqualTo(installed);
                assertThat(get(front, "api.lb")).isEqualTo("API");
            }
        }
    }
}
