package dev.smartstack.discovery.haproxy;

import java.util.List;
import java.util.Objects;

/**
 * How the output reloads HAProxy when a frontend or backend appears or disappears (membership
 * changes in an existing backend never need one): one of three ways, chosen once at build time.
 */
public sealed interface HaproxyReload {

    /**
     * The operator's {@code reload_command}, run as argv without a shell, bounded by
     * {@code command_timeout}.
     */
    record Command(List<String> argv) implements HaproxyReload {
        public Command {
            Objects.requireNonNull(argv, "reload_command == null");
            argv = List.copyOf(argv);
            if (argv.isEmpty() || argv.get(0).isEmpty()) {
                throw new IllegalArgumentException("reload_command must not be empty");
            }
        }
    }

    /**
     * The output runs HAProxy itself in master-worker mode ({@code haproxy -W -S <master>}),
     * reloads it through the master CLI, restarts it if it dies, and stops it on close.
     */
    record Managed() implements HaproxyReload {
    }

    /** The output never reloads ({@code do_reloads: false}); the file and the runtime API still follow. */
    record None() implements HaproxyReload {
    }

    /** {@code reload_command} as argv. */
    static HaproxyReload command(List<String> argv) {
        return new Command(argv);
    }

    /**
     * {@code reload_command} as one string, as Ruby Synapse runs it: split on whitespace into argv,
     * or through {@code /bin/sh -c} when it uses shell syntax (see {@link CommandLine}).
     */
    static HaproxyReload commandLine(String command) {
        return new Command(CommandLine.argv(command, "reload_command"));
    }

    /** {@code manage_process: true}. */
    static HaproxyReload managed() {
        return new Managed();
    }

    /** {@code do_reloads: false}. */
    static HaproxyReload none() {
        return new None();
    }
}
