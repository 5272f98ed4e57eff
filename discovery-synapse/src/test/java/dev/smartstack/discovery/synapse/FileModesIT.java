package dev.smartstack.discovery.synapse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.smartstack.discovery.core.HostileZnodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The state file and file_output's files are written by an atomic rename of a temporary file in
 * the same directory (no partial file is ever visible, none is left behind) and are readable and
 * writable by their owner only, whatever the umask.
 */
class FileModesIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Set<PosixFilePermission> GROUP_OR_OTHER = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private TestingServer server;
    private CuratorFramework client;
    private Path dir;

    @BeforeEach
    void setUp() throws Exception {
        server = new TestingServer(true);
        client = CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryOneTime(200));
        client.start();
        dir = Files.createTempDirectory("smartstack-modes-");
    }

    @AfterEach
    void tearDown() throws Exception {
        client.close();
        server.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static Set<PosixFilePermission> groupOrOther(Path p) throws IOException {
        Set<PosixFilePermission> perms = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                .permissions();
        perms.retainAll(GROUP_OR_OTHER);
        return perms;
    }

    @Test
    void stateFileAndFileOutput_writtenAtomically_ownerOnly() throws Exception {
        Path out = dir.resolve("out");
        Path state = dir.resolve("synapse.state");
        client.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT_SEQUENTIAL)
                .forPath("/services/web/a_", HostileZnodes.good("a", 8001));
        FileOutput files = FileOutput.builder().directory(out).build().start(Set.of("web")); // we built it: we start it
        try (SynapseWatcher w = SynapseWatcher.builder().curator(client)
                .service(WatchedService.builder().name("web").path("/services/web").build())
                .output(files).stateFile(state).build().start()) {
            await().atMost(WAIT).until(() -> Files.exists(out.resolve("web.json")) && Files.exists(state)
                    && Files.readString(out.resolve("web.json")).contains("8001"));
            client.create().withMode(CreateMode.PERSISTENT_SEQUENTIAL).forPath("/services/web/b_", HostileZnodes.good("b", 8002));
            await().atMost(WAIT).until(() -> Files.readString(out.resolve("web.json")).contains("8002")
                    && Files.readString(state).contains("8002"));
            assertThat(w.snapshot("web").backends()).hasSize(2);
        }
        assertThat(groupOrOther(out.resolve("web.json"))).as("file_output file").isEmpty();
        assertThat(groupOrOther(state)).as("state file").isEmpty();
        try (Stream<Path> all = Stream.concat(Files.list(dir), Files.list(out))) {
            assertThat(all.map(p -> p.getFileName().toString())).as("no temporary file left")
                    .containsOnly("out", "synapse.state", "web.json");
        }
    }
}
