package dev.smartstack.discovery.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

/**
 * A real DNS server for tests: Debian's {@code dnsmasq} in the foreground on 127.0.0.1 and a free
 * port (UDP and TCP), answering only from a hosts file that the test rewrites with
 * {@link #hosts(Map)}, with no cache and no upstream server. Names under its {@code domain} that the
 * file does not hold get an authoritative NXDOMAIN; other names are refused. No root is needed.
 *
 * <pre>{@code
 * try (Dnsmasq dns = Dnsmasq.start("test")) {
 *     dns.hosts(Map.of("web.test", List.of("127.0.0.5", "::1")));
 *     resolver.nameserver(dns.address());   // "127.0.0.1:<port>"
 * }
 * }</pre>
 */
public final class Dnsmasq implements AutoCloseable {
    /** Where Debian's package installs the binary. */
    public static final Path BINARY = Path.of("/usr/sbin/dnsmasq");
    /** How long {@link #start} waits for the server to listen. */
    public static final Duration START_TIMEOUT = Duration.ofSeconds(20);
    private static final Pattern DOMAIN = Pattern.compile("[a-z0-9-]+(\\.[a-z0-9-]+)*");

    private final Path dir;
    private final Path hostsFile;
    private final int port;
    private final Process process;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Dnsmasq(Path dir, int port, Process process) {
        this.dir = dir;
        this.hostsFile = dir.resolve("hosts");
        this.port = port;
        this.process = process;
    }

    /** Whether the binary is installed. */
    public static boolean isInstalled() {
        return Files.isExecutable(BINARY);
    }

    /**
     * Starts a server that answers for {@code domain} (such as {@code test}) from an empty hosts file.
     *
     * @throws IllegalStateException when dnsmasq is missing or does not start
     */
    public static Dnsmasq start(String domain) {
        if (!DOMAIN.matcher(domain).matches()) {
            throw new IllegalArgumentException("domain must be DNS labels such as \"test\" but was \"" + domain + "\"");
        }
        if (!isInstalled()) {
            throw new IllegalStateException(BINARY + " is not installed (Debian package dnsmasq)");
        }
        Path dir;
        try {
            dir = Files.createTempDirectory("smartstack-dnsmasq-");
            Files.writeString(dir.resolve("hosts"), "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String failure = "";
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = Ports.freePort();
            Path log = dir.resolve("dnsmasq-" + port + ".log");
            List<String> command = List.of(BINARY.toString(), "--no-daemon", "--conf-file=/dev/null", "--no-resolv",
                    "--no-hosts", "--addn-hosts=" + dir.resolve("hosts"), "--listen-address=127.0.0.1",
                    "--bind-interfaces", "--port=" + port, "--cache-size=0", "--local=/" + domain + "/",
                    "--pid-file=", "--user=" + System.getProperty("user.name"), "--log-facility=-");
            Process p;
            try {
                p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            } catch (IOException e) {
                throw new IllegalStateException("could not run " + BINARY, e);
            }
            String output = awaitStarted(p, log);
            if (output == null) {
                return new Dnsmasq(dir, port, p);
            }
            failure = output;
        }
        deleteQuietly(dir);
        throw new IllegalStateException("dnsmasq did not start: " + failure.strip());
    }

    /** Null once the server reads its hosts file (it listens by then); else its output. */
    private static String awaitStarted(Process p, Path log) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            String out = read(log);
            if (out.contains("read ") && p.isAlive()) {
                return null;
            }
            try {
                if (p.waitFor(50, TimeUnit.MILLISECONDS)) {
                    return read(log);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        p.destroyForcibly();
        return "no start within " + START_TIMEOUT + ": " + read(log);
    }

    private static String read(Path log) {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** The UDP and TCP port on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** {@code 127.0.0.1:<port>}, as a name server setting. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    /**
     * Replaces the hosts file with {@code names} (each name's addresses, IPv4 or IPv6) and makes the
     * server read it again (SIGHUP). The server answers from the new file shortly after this returns.
     */
    public void hosts(Map<String, List<String>> names) {
        StringBuilder sb = new StringBuilder();
        new LinkedHashMap<>(names).forEach((name, addresses) -> addresses.forEach(a -> sb.append(a).append(' ')
                .append(name).append('\n')));
        try {
            Path tmp = dir.resolve("hosts.tmp");
            Files.writeString(tmp, sb.toString());
            Files.move(tmp, hostsFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -HUP " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** What the server logged so far (queries are not logged). */
    public String log() {
        return read(dir.resolve("dnsmasq-" + port + ".log"));
    }

    /** Stops the server and deletes its files. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        deleteQuietly(dir);
    }

    private static void deleteQuietly(Path dir) {
        try (var paths = Files.walk(dir)) {
            List<Path> all = new ArrayList<>(paths.sorted(Comparator.reverseOrder()).toList());
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a temp directory left behind is harmless
        }
    }
}
