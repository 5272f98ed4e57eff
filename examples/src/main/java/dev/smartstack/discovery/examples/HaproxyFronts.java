package dev.smartstack.discovery.examples;

import dev.smartstack.discovery.haproxy.HaproxyOutput;
import dev.smartstack.discovery.haproxy.HaproxyOutputBuilder;
import dev.smartstack.discovery.haproxy.HaproxyReload;
import dev.smartstack.discovery.haproxy.HaproxyService;
import dev.smartstack.discovery.synapse.SnapshotOutput;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The tour's HAProxy: {@link #start} runs one as an operator would (a separate master-worker
 * process, reloaded with SIGUSR2 by Synapse's {@code reload_command}), so that it outlives a crashed
 * Synapse, as in Ruby SmartStack; {@link #many} lets a {@link HaproxyOutput} manage its own.
 */
final class HaproxyFronts {
    /**
     * The defaults section. {@code option http-server-close} closes each connection to a backend
     * after its response, so that a server leaving at run time has no idle connection that would
     * hold back {@code del server}.
     */
    static final List<String> DEFAULTS = List.of("mode http", "option http-server-close", "timeout connect 1s",
            "timeout client 10s", "timeout server 10s");

    private HaproxyFronts() {
    }

    /** The HAProxy binary: {@code haproxy} on the PATH, else {@code /usr/sbin/haproxy}; empty when neither exists. */
    static Optional<String> binary() {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "haproxy"))) {
                    return Optional.of(Path.of(dir, "haproxy").toString());
                }
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin/haproxy")) ? Optional.of("/usr/sbin/haproxy") : Optional.empty();
    }

    static HaproxyFront start(String binary, Path workDir) {
        return new Operated(binary, workDir.resolve("haproxy")).start();
    }

    static Many many(String binary, Path workDir, List<String> services) {
        return new Many(binary, workDir.resolve("haproxy-many"), services);
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1", e);
        }
    }

    private static List<String> statsSection(int port) {
        return List.of("bind 127.0.0.1:" + port, "stats enable", "stats uri /");
    }

    /** An HAProxy the tour runs as the operator; Synapse writes its config and reloads it. */
    private static final class Operated implements HaproxyFront {
        private final String binary;
        private final Path dir;
        private final Path config;
        private final Path socket;
        private final int statsPort = freePort();
        private final int frontendPort = freePort();
        private Process process;
        private volatile HaproxyOutput output;

        Operated(String binary, Path dir) {
            this.binary = binary;
            this.dir = dir;
            this.config = dir.resolve("haproxy.cfg");
            this.socket = dir.resolve("haproxy.sock");
        }

        private List<String> global() {
            return List.of("stats socket " + socket + " mode 600 level admin");
        }

        Operated start() {
            try {
                Files.createDirectories(dir);
                StringBuilder cfg = new StringBuilder("# Written by the tour's operator; Synapse replaces it.\nglobal\n");
                global().forEach(l -> cfg.append("  ").append(l).append('\n'));
                cfg.append("defaults\n");
                DEFAULTS.forEach(l -> cfg.append("  ").append(l).append('\n'));
                cfg.append("listen tour-stats\n");
                statsSection(statsPort).forEach(l -> cfg.append("  ").append(l).append('\n'));
                Files.writeString(config, cfg.toString(), StandardCharsets.UTF_8);
                process = new ProcessBuilder(binary, "-W", "-S", dir.resolve("haproxy.master").toString(), "-f",
                        config.toString(), "-p", dir.resolve("haproxy.pid").toString())
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("haproxy.log").toFile()))
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + binary, e);
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!Http.get(statsPort, "/").ok() || !Files.exists(socket)) {
                if (!process.isAlive() || System.nanoTime() - deadline > 0) {
                    close();
                    throw new IllegalStateException("HAProxy did not start; see " + dir.resolve("haproxy.log"));
                }
                Console.pause(50);
            }
            return this;
        }

        @Override
        public int port() {
            return frontendPort;
        }

        @Override
        public SnapshotOutput newOutput() {
            HaproxyOutput previous = output;
            if (previous != null) {
                previous.close(); // the crashed Synapse's output: ours to close (HAProxy keeps running)
            }
            HaproxyOutput o = HaproxyOutput.builder()
                    .haproxyPath(binary)
                    .global(global())
                    .defaults(DEFAULTS)
                    .extraSection("listen tour-stats", statsSection(statsPort))
                    .service(ServiceB.SERVICE, HaproxyService.builder().port(frontendPort).build())
                    .bindAddress("127.0.0.1")
                    .configFilePath(config)
                    .socketFilePath(socket)
                    .reload(HaproxyReload.command(List.of("kill", "-USR2", Long.toString(process.pid()))))
                    .build()
                    .start();
            output = o;
            return o;
        }

        @Override
        public long reloads() {
            HaproxyOutput o = output;
            return o == null ? 0 : o.reloads();
        }

        @Override
        public long runtimeCommands() {
            HaproxyOutput o = output;
            return o == null ? 0 : o.runtimeCommands();
        }

        @Override
        public boolean settled() {
            HaproxyOutput o = output;
            return o == null || !o.reloadPending();
        }

        @Override
        public String describe() {
            return binary + " (pid " + process.pid() + ", master-worker), started by the tour as an operator would; "
                    + "Synapse writes " + config + ", reloads it with `kill -USR2 " + process.pid()
                    + "` and changes servers through the stats socket";
        }

        @Override
        public void close() {
            HaproxyOutput o = output;
            if (o != null) {
                o.close();
            }
            stop(process);
        }
    }

    /** One HAProxy frontend per service, run by a managed {@link HaproxyOutput}. */
    static final class Many implements AutoCloseable {
        private final Map<String, Integer> ports = new LinkedHashMap<>();
        private final HaproxyOutput output;

        Many(String binary, Path dir, List<String> services) {
            HaproxyOutputBuilder b = HaproxyOutput.builder()
                    .haproxyPath(binary)
                    .reload(HaproxyReload.managed())
                    .defaults(DEFAULTS)
                    .extraSection("listen tour-stats", statsSection(freePort()))
                    .bindAddress("127.0.0.1")
                    .configFilePath(dir.resolve("haproxy.cfg"));
            for (String s : services) {
                int port = freePort();
                ports.put(s, port);
                b.service(s, HaproxyService.builder().port(port).build());
            }
            this.output = b.build().start();
        }

        SnapshotOutput output() {
            return output;
        }

        int port(String service) {
            return ports.get(service);
        }

        /** Whether the output still has a reload to do. */
        boolean busy() {
            return output.reloadPending();
        }

        @Override
        public void close() {
            output.close();
        }
    }

    static void stop(Process p) {
        if (p == null) {
            return;
        }
        List<ProcessHandle> children = p.descendants().toList();
        p.destroy();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
        children.forEach(ProcessHandle::destroyForcibly);
    }
}
