package dev.smartstack.discovery.agent;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * Builds the repository's {@code Dockerfile} as {@code docker build} would from the repository's
 * root: the context is exactly the files {@code .dockerignore} lets through, so a file the
 * Dockerfile copies but {@code .dockerignore} leaves out fails here as it would for an operator.
 *
 * <p>The image is kept (not deleted when the JVM exits), so that the next build finds the package
 * layer in Docker's cache and only copies the new jar; the image the previous build left under the
 * same tag is removed, which leaves the shared layers in place. The build uses the host's network,
 * because the daemon here runs without iptables: the package layer's {@code apt-get} reaches the
 * Debian mirror only that way (a warm cache needs no network at all).
 */
final class AgentImage {
    private static final Logger LOG = LoggerFactory.getLogger(AgentImage.class);

    private AgentImage() {
    }

    /** The files {@code .dockerignore} lets into the context: it must be {@code *} and then {@code !path} lines. */
    static List<String> contextFiles(Path repo) throws IOException {
        List<String> rules = new ArrayList<>();
        for (String line : Files.readAllLines(repo.resolve(".dockerignore"))) {
            String rule = line.strip();
            if (!rule.isEmpty() && !rule.startsWith("#")) {
                rules.add(rule);
            }
        }
        if (rules.isEmpty() || !rules.get(0).equals("*")) {
            throw new IllegalStateException(".dockerignore must start with '*' (ignore everything) but was " + rules);
        }
        List<String> files = new ArrayList<>();
        for (String rule : rules.subList(1, rules.size())) {
            if (!rule.startsWith("!") || rule.contains("*") || rule.contains("?")) {
                throw new IllegalStateException(".dockerignore may only let single files in ('!path'), but has " + rule);
            }
            files.add(rule.substring(1));
        }
        return files;
    }

    /**
     * Builds {@code tag} from {@code repo}'s Dockerfile on {@code baseImage} (a local image: nothing
     * is pulled) and returns the image's id.
     */
    static String build(Path repo, String baseImage, String tag) {
        DockerClient docker = DockerClientFactory.instance().client();
        Optional<String> previous = imageId(docker, tag);
        ImageFromDockerfile image = new ImageFromDockerfile(tag, false)
                .withFileFromPath("Dockerfile", repo.resolve("Dockerfile"))
                .withBuildArg("BASE_IMAGE", baseImage)
                .withBuildImageCmdModifier(cmd -> cmd.withNetworkMode("host").withPull(false));
        try {
            for (String file : contextFiles(repo)) {
                Path path = repo.resolve(file);
                if (!Files.isRegularFile(path)) {
                    throw new IllegalStateException(".dockerignore lets in " + file + ", which is missing: " + path);
                }
                image.withFileFromPath(file, path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        image.get();
        String id = imageId(docker, tag).orElseThrow(() -> new IllegalStateException("no image " + tag + " after the build"));
        previous.filter(old -> !old.equals(id)).ifPresent(old -> {
            try {
                docker.removeImageCmd(old).exec();
            } catch (DockerException e) {
                LOG.info("kept the previous {} ({}): {}", tag, old, e.getMessage());
            }
        });
        return id;
    }

    private static Optional<String> imageId(DockerClient docker, String tag) {
        try {
            return Optional.of(docker.inspectImageCmd(tag).exec().getId());
        } catch (NotFoundException e) {
            return Optional.empty();
        }
    }
}
