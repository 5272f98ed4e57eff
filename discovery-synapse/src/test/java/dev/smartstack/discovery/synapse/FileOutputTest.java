package dev.smartstack.discovery.synapse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.smartstack.discovery.core.ServiceInstance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileOutputTest {
    @TempDir
    Path dir;

    private static final ServiceInstance A = ServiceInstance.builder().name("a").host("127.0.0.1").port(8001)
            .weight(10).haproxyServerOptions("check inter 2s").labels(Map.of("zone", "a"))
            .znodeName("a_0000000007").build();
    private static final ServiceInstance B = ServiceInstance.of("b", "127.0.0.1", 8002);

    private static ServiceSnapshot next(ServiceSnapshot previous, ServiceInstance... backends) {
        return ServiceSnapshot.next(previous, List.of(backends), ServiceSnapshot.Source.ZOOKEEPER, true, Instant.EPOCH);
    }

    @Test
    void update_writesRubySynapseFormat() throws Exception {
        FileOutput out = FileOutput.builder().directory(dir.resolve("out")).build();
        out.start(Set.of("web"));
        out.update(next(ServiceSnapshot.initial("web"), A, B));
        JsonNode json = SynapseJson.MAPPER.readTree(Files.readAllBytes(dir.resolve("out/web.json")));
        assertThat(json.isArray()).isTrue();
        assertThat(json).hasSize(2);
        JsonNode a = json.get(1).get("name").asText().equals("a") ? json.get(1) : json.get(0);
        assertThat(a.get("host").asText()).isEqualTo("127.0.0.1");
        assertThat(a.get("port").asInt()).isEqualTo(8001);
        assertThat(a.get("id").asLong()).isEqualTo(7);
        assertThat(a.get("weight").asInt()).isEqualTo(10);
        assertThat(a.get("haproxy_server_options").asText()).isEqualTo("check inter 2s");
        assertThat(a.get("labels").get("zone").asText()).isEqualTo("a");
        JsonNode b = json.get(1).get("name").asText().equals("b") ? json.get(1) : json.get(0);
        assertThat(b.get("id").isNull()).isTrue();
        assertThat(b.get("weight").isNull()).isTrue();
        assertThat(b.get("haproxy_server_options").isNull()).isTrue();
        assertThat(b.get("labels").isNull()).as("labels: null, as Ruby writes a backend without labels").isTrue();
        try (Stream<Path> files = Files.list(dir.resolve("out"))) {
            assertThat(files).extracting(p -> p.getFileName().toString()).containsExactly("web.json");
        }
    }

    @Test
    void update_unchangedContent_fileNotRewritten_changedContent_replacedAtomically() throws Exception {
        FileOutput out = FileOutput.builder().directory(dir).build();
        out.start(Set.of("web"));
        ServiceSnapshot s1 = next(ServiceSnapshot.initial("web"), A);
        out.update(s1);
        Path file = dir.resolve("web.json");
        Object key1 = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        ServiceSnapshot s2 = ServiceSnapshot.next(s1, List.of(A), ServiceSnapshot.Source.ZOOKEEPER, false, Instant.EPOCH);
        out.update(s2);
        assertThat(Files.readAttributes(file, BasicFileAttributes.class).fileKey()).isEqualTo(key1);

        // A new FileOutput (a restart) does not rewrite an identical file either.
        FileOutput restarted = FileOutput.builder().directory(dir).build();
        restarted.start(Set.of("web"));
        restarted.update(s2);
        assertThat(Files.readAttributes(file, BasicFileAttributes.class).fileKey()).isEqualTo(key1);

        restarted.update(next(s2, A, B));
        assertThat(Files.readAttributes(file, BasicFileAttributes.class).fileKey()).isNotEqualTo(key1);
        assertThat(SynapseJson.MAPPER.readTree(Files.readAllBytes(file))).hasSize(2);
    }

    @Test
    void start_removesOnlyFilesOfUnwatchedServicesItCouldHaveWritten() throws Exception {
        Files.writeString(dir.resolve("web.json"), "[]");
        Files.writeString(dir.resolve("gone.json"), "[{\"name\":\"x\"}]");
        Files.writeString(dir.resolve("config.json"), "{\"not\":\"ours\"}");
        Files.writeString(dir.resolve("notes.txt"), "[]");
        Files.writeString(dir.resolve("bad name.json"), "[]");
        Files.createDirectory(dir.resolve("dir.json"));
        FileOutput out = FileOutput.builder().directory(dir).build();
        out.start(Set.of("web"));
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).extracting(p -> p.getFileName().toString())
                    .containsExactlyInAnyOrder("web.json", "config.json", "notes.txt", "bad name.json", "dir.json");
        }
    }

    @Test
    void build_missingDirectory_exactMessage() {
        assertThatThrownBy(() -> FileOutput.builder().build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("FileOutput needs a directory: directory == null");
    }
}
