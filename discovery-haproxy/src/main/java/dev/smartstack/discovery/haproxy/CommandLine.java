package dev.smartstack.discovery.haproxy;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A command that a config file gives as one string ({@code reload_command}, {@code check_command}),
 * turned into an argument vector the way Ruby's {@code Process.spawn} and backticks turn it, so
 * that a Ruby Synapse file runs unchanged: a plain command is split on whitespace and run
 * directly; a command that uses shell syntax (a metacharacter such as {@code $ | ; & > ` '},
 * an environment assignment as its first word, or a shell keyword or special built-in as its
 * first word) runs as {@code /bin/sh -c <command>}.
 *
 * <p>Only the operator's own config file ever reaches this class; znode data never does.
 */
public final class CommandLine {
    /** Ruby's {@code rb_exec_fillarg} sends a string to the shell when it holds one of these. */
    static final String SHELL_METACHARACTERS = "*?{}[]<>()~&|\\$;'`\"\n#";
    /** First words that only a shell understands (keywords and POSIX special built-ins). */
    private static final Set<String> SHELL_WORDS = Set.of(
            "!", "case", "do", "done", "elif", "else", "esac", "fi", "for", "if", "in", "then", "until", "while",
            ".", ":", "break", "continue", "eval", "exec", "exit", "export", "readonly", "return", "set", "shift",
            "times", "trap", "unset");

    private CommandLine() {
    }

    /**
     * The argument vector for a command given as one string.
     *
     * @param command the command as the config file gives it
     * @param what the key, for the error message
     * @throws IllegalArgumentException when the command is blank
     */
    public static List<String> argv(String command, String what) {
        Objects.requireNonNull(command, what + " == null");
        String stripped = command.strip();
        if (stripped.isEmpty()) {
            throw new IllegalArgumentException(what + " must not be empty");
        }
        if (needsShell(stripped)) {
            return List.of("/bin/sh", "-c", stripped);
        }
        return List.of(stripped.split("\\s+"));
    }

    /** Whether Ruby would run this command through {@code /bin/sh}. */
    static boolean needsShell(String command) {
        for (int i = 0; i < command.length(); i++) {
            if (SHELL_METACHARACTERS.indexOf(command.charAt(i)) >= 0) {
                return true;
            }
        }
        String first = command.strip().split("\\s+", 2)[0];
        return first.indexOf('=') >= 0 || SHELL_WORDS.contains(first);
    }
}
