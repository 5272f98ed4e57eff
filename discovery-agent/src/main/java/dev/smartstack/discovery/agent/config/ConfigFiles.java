package dev.smartstack.discovery.agent.config;

import dev.smartstack.discovery.core.Validation;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** File handling and value conversions shared by the Nerve and Synapse config readers. */
final class ConfigFiles {
    private ConfigFiles() {
    }

    /**
     * {@code path} as given when absolute, else relative to the directory of the config
     * {@code file}; but when nothing exists there and something does relative to the working
     * directory (Ruby's reading: {@code File.expand_path}), the latter, so that Ruby's own
     * examples ({@code "service_conf_dir": "example/nerve_services"}, run from the repository)
     * read the same here.
     */
    static Path resolve(Path file, String path) {
        Path p = Path.of(path);
        if (p.isAbsolute() || file.toAbsolutePath().getParent() == null) {
            return p;
        }
        Path besideFile = file.toAbsolutePath().getParent().resolve(p);
        if (!Files.exists(besideFile) && Files.exists(p)) {
            return p.toAbsolutePath();
        }
        return besideFile;
    }

    /** The {@code *.json}, {@code *.yaml} and {@code *.yml} files of {@code service_conf_dir}, sorted. */
    static List<Path> serviceConfFiles(String shownAs, Path dir) {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*.{json,yaml,yml}")) {
            stream.forEach(files::add);
        } catch (IOException e) {
            throw new ConfigException(shownAs, "service_conf_dir", "cannot read the directory "
                    + Validation.quote(dir.toString()) + " (" + e.getClass().getSimpleName() + ")");
        }
        files.sort(null);
        return files;
    }

    /** Checks and converts one service entry; {@code file} and {@code keyPath} say where it stands. */
    @FunctionalInterface
    interface ServiceReader<E, S> {
        S read(String file, String keyPath, String name, E entry);
    }

    /**
     * The services of a top-level file, in order: its {@code services} map, then one per file of
     * {@code service_conf_dir} (named after the file, bound as {@code type}); one of the two is
     * required, and a name in both is refused.
     */
    static <E, S> Map<String, S> services(String shownAs, Map<String, E> inline, Optional<Path> confDir,
            Class<E> type, Map<String, String> env, ServiceReader<E, S> reader) {
        if (inline == null && confDir.isEmpty()) {
            throw new ConfigException(shownAs, "services", "required key is missing");
        }
        Map<String, S> services = new LinkedHashMap<>();
        if (inline != null) {
            inline.forEach((name, s) -> services.put(name, reader.read(shownAs, "services." + name, name, s)));
        }
        if (confDir.isPresent()) {
            for (Path f : serviceConfFiles(shownAs, confDir.get())) {
                String fileName = f.getFileName().toString();
                String name = fileName.substring(0, fileName.lastIndexOf('.'));
                E entry = ConfigBinder.bind(ConfigBinder.readTree(f, f.toString(), env), type, f.toString(), "");
                if (services.putIfAbsent(name, reader.read(f.toString(), "", name, entry)) != null) {
                    throw new ConfigException(f.toString(), "", "service " + Validation.quote(name)
                            + " is also defined in " + shownAs);
                }
            }
        }
        return services;
    }

    /** A number of seconds (already checked by its {@link Rules.Seconds}) as a duration, or the default. */
    static Duration seconds(Double seconds, Duration defaultValue) {
        return seconds == null ? defaultValue : Duration.ofNanos(Math.round(seconds * 1e9));
    }
}
