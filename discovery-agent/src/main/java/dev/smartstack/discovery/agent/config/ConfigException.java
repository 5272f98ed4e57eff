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
        super(escapeControls(file + (keyPath.isEmpty() ? "" : ": " + keyPath) + ": " + problem));
        this.file = file;
        this.keyPath = keyPath;
        this.problem = problem;
    }

    /**
     * The message stays one line whatever a key or value holds: an unknown key {@code "se\rvices"}
     * printed its CR raw and split the error in two (issue 12's config fuzz).
     */
    private static String escapeControls(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f || c >= 0x80 && c < 0xa0 || c == '\u2028' || c == '\u2029') {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
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
