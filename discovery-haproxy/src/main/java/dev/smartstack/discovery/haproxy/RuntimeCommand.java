package dev.smartstack.discovery.haproxy;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One command of HAProxy's stats socket that the output uses, with how its answer is classified.
 * Every command is sent after {@code set severity-output number}, so that HAProxy prefixes each
 * message with its own severity ({@code [3]: ...} is an error, {@code [6]: ...} information).
 * An answer is a success only in the form this command gives on success; anything else is a
 * refusal (an error severity) or not understood, and both carry HAProxy's text.
 *
 * @param verb the command's first words ({@code add server}), for metrics
 * @param text the whole command line
 * @param success what the command answers on success: "" for nothing, else the exact message
 */
record RuntimeCommand(String verb, String text, String success) {
    private static final Pattern SEVERITY = Pattern.compile("\\[(\\d)]: (.*)", Pattern.DOTALL);
    private static final Pattern NOT_DYNAMIC = Pattern.compile("'([^' ]+)' option is not accepted for dynamic server");
    static final String DATA = "\u0000data";

    RuntimeCommand {
        if (text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0 || text.indexOf(';') >= 0) {
            throw new IllegalArgumentException("refusing to send a command with a line break or ';': " + text);
        }
    }

    static RuntimeCommand addServer(String backend, String server, String arguments) {
        return new RuntimeCommand("add server", "add server " + backend + "/" + server + " " + arguments,
                "New server registered.");
    }

    static RuntimeCommand enableServer(String backend, String server) {
        return new RuntimeCommand("enable server", "enable server " + backend + "/" + server, "");
    }

    static RuntimeCommand enableHealth(String backend, String server) {
        return new RuntimeCommand("enable health", "enable health " + backend + "/" + server, "");
    }

    static RuntimeCommand setWeight(String backend, String server, int weight) {
        return new RuntimeCommand("set server", "set server " + backend + "/" + server + " weight " + weight, "");
    }

    static RuntimeCommand setState(String backend, String server, String state) {
        if (!state.equals("ready") && !state.equals("maint") && !state.equals("drain")) {
            throw new IllegalArgumentException("state must be ready, maint or drain but was " + state);
        }
        return new RuntimeCommand("set server", "set server " + backend + "/" + server + " state " + state, "");
    }

    static RuntimeCommand delServer(String backend, String server) {
        return new RuntimeCommand("del server", "del server " + backend + "/" + server, "Server deleted.");
    }

    static RuntimeCommand shutdownSessions(String backend, String server) {
        return new RuntimeCommand("shutdown sessions", "shutdown sessions server " + backend + "/" + server, "");
    }

    /**
     * The statistics line of one server ({@code show stat <backend id> 4 <server id>}), CSV with its
     * header. By numeric id: by name, HAProxy 2.6 picks the frontend of the same name.
     */
    static RuntimeCommand showStat(int backendId, int serverId) {
        return new RuntimeCommand("show stat", "show stat " + backendId + " 4 " + serverId, DATA);
    }

    /** One backend's servers' state; its first column is the backend's numeric id. */
    static RuntimeCommand showServersState(String backend) {
        return new RuntimeCommand("show servers state", "show servers state " + backend, DATA);
    }

    static RuntimeCommand showServersState() {
        return new RuntimeCommand("show servers state", "show servers state", DATA);
    }

    /** How HAProxy answered. */
    enum Outcome {
        /** The answer this command gives on success. */
        OK,
        /** An answer with an error severity ({@code [0]} to {@code [4]}): HAProxy refused the command. */
        REFUSED,
        /** An answer in no form this command gives: treated as a failure, never as a success. */
        NOT_UNDERSTOOD
    }

    /** One classified answer; {@code text} is HAProxy's, without the severity prefix. */
    record Answer(RuntimeCommand command, Outcome outcome, int severity, String text) {
        boolean ok() {
            return outcome == Outcome.OK;
        }

        /** The keyword of a refused {@code add server} that this HAProxy does not take at run time, or null. */
        String notDynamicKeyword() {
            if (outcome != Outcome.REFUSED) {
                return null;
            }
            Matcher m = NOT_DYNAMIC.matcher(text);
            return m.find() ? m.group(1) : null;
        }

        /** Whether HAProxy says the server does not exist (for a {@code del server} after a reload). */
        boolean noSuchServer() {
            return outcome == Outcome.REFUSED && text.equals("No such server.");
        }

        /** For a failure: HAProxy's message for a refusal, the quoted answer for one not understood. */
        String describe() {
            return outcome == Outcome.NOT_UNDERSTOOD
                    ? "answer not understood: " + dev.smartstack.discovery.core.Validation.quote(text) : text;
        }
    }

    /** Classifies the raw answer to this command (without the prompt). Pure. */
    Answer classify(String raw) {
        String r = raw.strip();
        Matcher m = SEVERITY.matcher(r);
        int severity = -1;
        String message = r;
        if (m.matches()) {
            severity = m.group(1).charAt(0) - '0';
            message = m.group(2).strip();
        }
        if (severity >= 0 && severity <= 4) {
            return new Answer(this, Outcome.REFUSED, severity, message);
        }
        if (success.equals(DATA)) {
            // data is never prefixed with a severity: a prefixed answer is a message, not data
            return new Answer(this, severity < 0 ? Outcome.OK : Outcome.NOT_UNDERSTOOD, severity,
                    severity < 0 ? raw : message);
        }
        if (success.isEmpty()) {
            return new Answer(this, r.isEmpty() ? Outcome.OK : Outcome.NOT_UNDERSTOOD, severity, message);
        }
        boolean expected = severity >= 5 && message.equals(success);
        return new Answer(this, expected ? Outcome.OK : Outcome.NOT_UNDERSTOOD, severity, message);
    }
}
