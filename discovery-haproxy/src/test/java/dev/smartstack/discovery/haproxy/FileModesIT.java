package dev.smartstack.discovery.haproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.synapse.ServiceSnapshot;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The files and sockets a managed HAProxy output creates are its user's alone: the admin-level
 * stats socket, the master CLI socket (which controls every worker), the config file and the
 * server-state file have no group or other permission, whatever the process's umask; and the
 * config is installed by an atomic rename (no candidate file is left beside it).
 */
class FileModesIT {
    private static final Set<PosixFilePermission> GROUP_OR_OTHER = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private Path dir;
    private HaproxyOutput output;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory(Path.of("/tmp"), "hm");
    }

    @AfterEach
    void tearDown() throws IOException {
        if (output != null) {
            output.close();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static Set<PosixFilePermission> groupOrOther(Path p) throws IOException {
        Set<PosixFilePermission> perms = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                .permissions();
        perms.retainAll(GROUP_OR_OTHER);
        return perms;
    }

    /** Regression: the master CLI socket was created with the umask's mode (srwxr-xr-x under 022). */
    @Test
    void masterCliSocket_wasCreatedWithTheUmaskMode_nowOwnerOnlyAsAreStatsSocketConfigAndState() throws Exception {
        Path config = dir.resolve("haproxy.cfg");
        Path stats = dir.resolve("haproxy.sock");
        Path master = dir.resolve("haproxy.master");
        Path state = dir.resolve("haproxy.state");
        output = HaproxyOutput.builder().reload(HaproxyReload.managed()).haproxyPath("/usr/sbin/haproxy")
                .configFilePath(config).socketFilePath(stats).masterSocketPath(master).serverStateFilePath(state)
                .restartInterval(Duration.ofMillis(200))
                .defaults(List.of("mode http", "timeout connect 2s", "timeout client 10s", "timeout server 10s"))
                .service("web", HaproxyService.builder().port(freePort()).bindAddress("127.0.0.1").build())
                .service("api", HaproxyService.builder().port(freePort()).bindAddress("127.0.0.1").build())
                .build();
        output.start();
        ServiceInstance a = ServiceInstance.builder().name("a").host("127.0.0.1").port(freePort())
                .znodeName("a_0000000001").build();
        output.update(ServiceSnapshot.next(ServiceSnapshot.initial("web"), List.of(a), ServiceSnapshot.Source.ZOOKEEPER,
                true, Instant.now()));
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(stats) && Files.exists(master)
                && output.renderConfig().contains("server a_") && Files.readString(config).contains("server a_"));
        // a second new service makes a reload, which saves the server state first
        output.update(ServiceSnapshot.next(ServiceSnapshot.initial("api"), List.of(a), ServiceSnapshot.Source.ZOOKEEPER,
                true, Instant.now()));
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(state) && output.reloads() >= 2);

        assertThat(groupOrOther(master)).as("master CLI socket").isEmpty();
        assertThat(groupOrOther(stats)).as("stats socket").isEmpty();
        assertThat(groupOrOther(config)).as("config file").isEmpty();
        assertThat(groupOrOther(state)).as("server-state file").isEmpty();
        // An install may still be under way (a candidate exists while haproxy -c checks it): once the
        // output is idle, nothing but installed files is left beside the config.
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            try (Stream<Path> files = Files.list(dir)) {
                assertThat(files.map(p -> p.getFileName().toString()))
                        .as("nothing but installed files beside the config").noneMatch(n -> n.endsWith(".candidate")
                                || n.endsWith(".tmp"));
            }
        });
    }
}
