package dev.smartstack.discovery.agent.config;

/**
 * A config file is wrong. {@link #getMessage()} is one line:
 * {@code <file>: <key.path>: <problem>}.
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final String keyPath;
    private final String problem;

    public ConfigException(String file, String keyPath, String problem) {
        super(file + (keyPath.isEmpty() ? "" : ": " + keyPath) + ": " + problem);
        this.file = file;
        this.keyPath = keyPath;
        this.problem = problem;
    }

    /** The file, as the user named it. */
    public String file() {
        return file;
    }

    /** The key path such as {@code services.web.port}, or empty for the whole file. */
    public String keyPath() {
        return keyPath;
    }

    public String problem() {
        return problem;
    }
}
