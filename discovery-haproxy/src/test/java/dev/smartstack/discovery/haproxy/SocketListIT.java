package dev.smartstack.discovery.haproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.synapse.ServiceSnapshot;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code socket_file_path} as a list (Ruby Synapse's form for several HAProxy processes): two real
 * HAProxy processes run the file the output writes, each with its own stats socket and frontend
 * (from a second {@code -f} file of the test's), and a join reaches both over the runtime API.
 */
class SocketListIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private final List<HttpServer> servers = new ArrayList<>();
    private final List<Process> haproxies = new ArrayList<>();
    private HaproxyOutput output;

    @AfterEach
    void stopAll() {
        if (output != null) {
            output.close();
        }
        haproxies.forEach(Process::destroyForcibly);
        servers.forEach(s -> s.stop(0));
    }

    private ServiceInstance backend(String id) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            byte[] body = id.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        servers.add(server);
        return ServiceInstance.builder().name(id).host("127.0.0.1").port(server.getAddress().getPort())
                .znodeName(id + "_000000000" + servers.size()).build();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    /** Who answers 8 requests to a frontend; failed requests are left out. */
    static Set<String> responders(int port, String host) {
        Set<String> ids = new TreeSet<>();
        for (int i = 0; i < 8; i++) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(2000);
                OutputStream out = s.getOutputStream();
                out.write(("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = s.getInputStream();
                String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
                if (response.startsWith("HTTP/1.1 200")) {
                    ids.add(response.substring(response.indexOf("\r\n\r\n") + 4));
                }
            } catch (IOException e) {
                // not serving (yet): the caller awaits
            }
        }
        return ids;
    }

    private Process haproxy(Path config, Path extra) throws IOException {
        Process p = new ProcessBuilder("/usr/sbin/haproxy", "-db", "-f", config.toString(), "-f", extra.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve(extra.getFileName() + ".log").toFile()).start();
        haproxies.add(p);
        return p;
    }

    @Test
    void socketList_joinAppliedOverEverySocket_bothProcessesServeItWithoutReload() throws Exception {
        Path cfg = dir.resolve("haproxy.cfg");
        List<Path> sockets = List.of(dir.resolve("one.sock"), dir.resolve("two.sock"));
        List<Integer> fronts = List.of(freePort(), freePort());
        output = HaproxyOutput.builder().reload(HaproxyReload.none()).haproxyPath("/usr/sbin/haproxy")
                .configFilePath(cfg).socketFilePaths(sockets).serverStateFilePath(dir.resolve("state"))
                .defaults(List.of("mode http", "timeout connect 2s", "timeout client 10s", "timeout server 10s"))
                .service("web", HaproxyService.builder().backend(List.of("balance roundrobin")).build()).build().start();
        ServiceInstance a = backend("A");
        ServiceSnapshot first = ServiceSnapshot.next(ServiceSnapshot.initial("web"), List.of(a),
                ServiceSnapshot.Source.ZOOKEEPER, true, Instant.now());
        output.update(first);
        await().atMost(WAIT).until(() -> Files.exists(cfg) && Files.readString(cfg).contains("server A_"));
        for (int i = 0; i < 2; i++) {
            Path extra = dir.resolve("process" + i + ".cfg");
            Files.writeString(extra, "global\n  stats socket " + sockets.get(i) + " mode 600 level admin\n\n"
                    + "frontend front" + i + "\n  bind 127.0.0.1:" + fronts.get(i) + "\n  default_backend web\n");
            haproxy(cfg, extra);
        }
        for (int port : fronts) {
            await().atMost(WAIT).until(() -> responders(port, "x").equals(Set.of("A")));
        }
        long commandsBefore = output.runtimeCommands();

        ServiceInstance b = backend("B");
        output.update(ServiceSnapshot.next(first, List.of(a, b), ServiceSnapshot.Source.ZOOKEEPER, true, Instant.now()));
        for (int port : fronts) {
            await().atMost(WAIT).until(() -> responders(port, "x").equals(Set.of("A", "B")));
        }
        assertThat(output.runtimeCommands()).isGreaterThan(commandsBefore);
        assertThat(haproxies).allMatch(Process::isAlive); // the same processes: no restart, no reload
        await().atMost(WAIT).until(() -> Files.readString(cfg).contains("server B_"));
    }
}
