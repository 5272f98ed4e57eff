package dev.smartstack.discovery.synapse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.smartstack.discovery.core.Validation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Synapse's {@code file_output}: keeps {@code <directory>/<service>.json} holding the array of the
 * service's backends, in Ruby Synapse's format:
 * {@code [{"name", "host", "port", "id", "weight", "haproxy_server_options", "labels"}, ...]}
 * ({@code id} is the znode's sequence number; absent values are {@code null}).
 *
 * <p>Each file is replaced atomically (a temporary file in the same directory, then an atomic
 * rename), and only when its content changes. {@link #start(Set)}, called by its owner before any
 * snapshot, deletes the {@code .json} files of services that are not watched, but only files this
 * output could have written: a regular file named {@code <valid service name>.json} that holds a
 * JSON array. Thread-safe: it may be handed to several watchers (each service comes from one).
 *
 * <p>It lists every backend the watcher accepted, with its {@code haproxy_server_options} as
 * registered: whether a backend's options are usable is each output's own decision (the HAProxy
 * output refuses a backend whose options it cannot render; see docs/configuration.md).
 */
public final class FileOutput implements SnapshotOutput {
    private static final Logger log = LoggerFactory.getLogger(FileOutput.class);

    private final Path directory;
    private final Map<String, byte[]> written = new java.util.concurrent.ConcurrentHashMap<>();

    private FileOutput(Builder b) {
        this.directory = b.directory;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The output directory. */
    public Path directory() {
        return directory;
    }

    /** The file that holds {@code service}'s backends. */
    public Path fileOf(String service) {
        return directory.resolve(service + ".json");
    }

    /**
     * Creates the directory and removes the files of services not in {@code services} (the ones
     * watched, by every watcher this output is handed to). Returns this.
     *
     * @throws UncheckedIOException when the directory cannot be created
     */
    public FileOutput start(Set<String> services) {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("file output cannot create " + directory, e);
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.json")) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                String service = name.substring(0, name.length() - ".json".length());
                if (services.contains(service) || !Validation.isValidName(service)
                        || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || !holdsJsonArray(file)) {
                    continue;
                }
                Files.deleteIfExists(file);
                log.info("file output removed {}: service '{}' is no longer watched", file, service);
            }
        } catch (IOException e) {
            log.warn("file output could not clean up {}: {}", directory, Validation.quote(String.valueOf(e)));
        }
        return this;
    }

    private static boolean holdsJsonArray(Path file) {
        try {
            if (Files.size(file) > 64L * 1024 * 1024) {
                return false;
            }
            JsonNode node = SynapseJson.MAPPER.readTree(Files.readAllBytes(file));
            return node != null && node.isArray();
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    @Override
    public void update(ServiceSnapshot snapshot) {
        byte[] content;
        try {
            content = SynapseJson.MAPPER.writeValueAsBytes(SynapseJson.backendsArray(snapshot.backends()));
        } catch (IOException e) {
            throw new UncheckedIOException("file output cannot encode " + snapshot, e);
        }
        Path file = fileOf(snapshot.service());
        byte[] last = written.get(snapshot.service());
        if (last == null) {
            try {
                last = Files.readAllBytes(file);
            } catch (NoSuchFileException e) {
                last = null;
            } catch (IOException e) {
                last = null;
            }
        }
        if (last != null && Arrays.equals(last, content)) {
            written.put(snapshot.service(), content);
            return;
        }
        try {
            SynapseJson.writeAtomically(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException("file output cannot write " + file, e);
        }
        written.put(snapshot.service(), content);
        log.debug("file output wrote {} backends of '{}' to {}", snapshot.backends().size(), snapshot.service(), file);
    }

    /** {@code file}. */
    @Override
    public String outputName() {
        return "file";
    }

    @Override
    public String toString() {
        return "FileOutput{" + directory + "}";
    }

    /** Builds a {@link FileOutput}; {@code directory} is required. */
    public static final class Builder {
        private Path directory;

        private Builder() {
        }

        /** Required: Synapse's {@code output_directory}; created at start when missing. */
        public Builder directory(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory == null");
            return this;
        }

        public FileOutput build() {
            if (directory == null) {
                throw new IllegalArgumentException("FileOutput needs a directory: directory == null");
            }
            return new FileOutput(this);
        }
    }
}
