package dev.smartstack.discovery.testing;

import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;

/**
 * Whether Docker tests run, skip or fail. A Docker test skips when Docker is absent, unless the
 * system property {@value #REQUIRE_DOCKER} is {@code true}: then an absent Docker is a failure,
 * so that a CI machine whose Docker broke cannot pass by skipping.
 */
public final class DockerSupport {
    /** Set to {@code true} to fail, rather than skip, Docker tests when Docker is absent. */
    public static final String REQUIRE_DOCKER = "smartstack.requireDocker";

    private DockerSupport() {
    }

    /** Whether {@value #REQUIRE_DOCKER} is {@code true}. */
    public static boolean isRequired() {
        return Boolean.getBoolean(REQUIRE_DOCKER);
    }

    /** Whether Testcontainers finds a working Docker. */
    public static boolean isAvailable() {
        return DockerClientFactory.instance().isDockerAvailable();
    }

    /**
     * Returns when Docker is available. Otherwise aborts the test (JUnit reports it skipped), or,
     * when {@value #REQUIRE_DOCKER} is {@code true}, throws {@link IllegalStateException}.
     */
    public static void assumeAvailable() {
        check(isAvailable(), isRequired());
    }

    static void check(boolean available, boolean required) {
        if (available) {
            return;
        }
        if (required) {
            throw new IllegalStateException("Docker is not available, and -D" + REQUIRE_DOCKER
                    + "=true makes that a failure: start Docker (or run scripts/test, which prepares it)");
        }
        Assumptions.abort("Docker is not available; skipping (set -D" + REQUIRE_DOCKER + "=true to fail instead)");
    }
}
