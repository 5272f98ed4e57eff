package dev.smartstack.discovery.haproxy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Installs config files: render, check with {@code haproxy -c} or the operator's
 * {@code check_command} (no shell), atomic rename. Every
 * file at the config path is valid:
 * <ul>
 *   <li>a file whose sections, global, defaults and operator lines differ from the last checked
 *       one, or that has a server whose option set ({@link ConfigRenderer.Server#shape()}) no
 *       checked file had, is installed only after {@code haproxy -c} accepts it;</li>
 *   <li>a file that differs from the last checked one only in server lines whose every option set
 *       a checked file already had is installed at once: each such line is built from typed,
 *       validated values (a name and address of one token, a unique id, a weight in range, a
 *       cookie from the name), so it is valid exactly where its option set was.</li>
 * </ul>
 * Called on the output's installer thread only; holds no lock.
 */
final class ConfigInstaller {
    private static final int MAX_REMEMBERED_SHAPES = 10_000;

    /** What happened to a model. */
    enum Outcome { INSTALLED_CHECKED, INSTALLED_FAST, UNCHANGED, INVALID, NOT_CHECKED }

    /** The outcome, and the error for INVALID and NOT_CHECKED. */
    record Result(Outcome outcome, String error) {
        boolean installed() {
            return outcome == Outcome.INSTALLED_CHECKED || outcome == Outcome.INSTALLED_FAST
                    || outcome == Outcome.UNCHANGED;
        }
    }

    private final Path target;
    private final String haproxyPath;
    private final Duration timeout;
    private final List<String> checkCommand;
    private final Path candidatePath;
    private final Set<String> acceptedShapes = new HashSet<>();
    private ConfigModel checkedStructure;
    /** Sections (by identity) whose every server shape was accepted: unchanged ones are not looked at again. */
    private Set<ConfigRenderer.Section> knownSections = Set.of();
    private String installed;
    private String lastInvalid;

    ConfigInstaller(Path target, String haproxyPath, Duration timeout) {
        this(target, haproxyPath, timeout, null, null);
    }

    /**
     * @param checkCommand {@code check_command} as argv, or null for {@code haproxy -c -f <candidate>}
     * @param candidatePath {@code candidate_config_file_path}, or null for a temporary file next to the target
     */
    ConfigInstaller(Path target, String haproxyPath, Duration timeout, List<String> checkCommand, Path candidatePath) {
        this.target = target;
        this.haproxyPath = haproxyPath;
        this.timeout = timeout;
        this.checkCommand = checkCommand;
        this.candidatePath = candidatePath;
    }

    Result install(ConfigModel model) {
        return install(model, model.render());
    }

    /** Installs {@code content}, the rendering of {@code model} (from a {@link SectionCache}). */
    Result install(ConfigModel model, String content) {
        if (content.equals(installed)) {
            return new Result(Outcome.UNCHANGED, null);
        }
        if (content.equals(lastInvalid)) {
            return new Result(Outcome.INVALID, "unchanged since haproxy -c refused it");
        }
        boolean fast = checkedStructure != null && checkedStructure.equals(model.structure()) && shapesKnown(model);
        Path candidate = null;
        try {
            Path dir = target.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            if (candidatePath != null) {
                Files.createDirectories(candidatePath.toAbsolutePath().getParent());
                Files.writeString(candidatePath, content, StandardCharsets.UTF_8);
            } else {
                candidate = Files.createTempFile(dir, "." + target.getFileName() + ".", ".candidate");
                Files.writeString(candidate, content, StandardCharsets.UTF_8);
            }
            if (!fast) {
                String error = check(candidate != null ? candidate : candidatePath);
                if (error != null && !error.startsWith(checkName() + " exited with ")) {
                    return new Result(Outcome.NOT_CHECKED, error); // timed out or could not run: retried
                }
                if (error != null) {
                    lastInvalid = content; // a named candidate stays for the operator to read, as in Ruby
                    return new Result(Outcome.INVALID, error);
                }
                remember(model);
            }
            if (candidatePath != null) {
                try {
                    Files.move(candidatePath, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (java.nio.file.AtomicMoveNotSupportedException e) {
                    // another file system: copy next to the target, then rename
                    candidate = Files.createTempFile(dir, "." + target.getFileName() + ".", ".candidate");
                    Files.copy(candidatePath, candidate, StandardCopyOption.REPLACE_EXISTING);
                    Files.delete(candidatePath);
                }
            }
            if (candidate != null) {
                Files.move(candidate, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                candidate = null;
            }
            installed = content;
            lastInvalid = null;
            return new Result(fast ? Outcome.INSTALLED_FAST : Outcome.INSTALLED_CHECKED, null);
        } catch (IOException e) {
            return new Result(Outcome.NOT_CHECKED, "could not write " + target + ": " + e);
        } finally {
            if (candidate != null) {
                try {
                    Files.deleteIfExists(candidate);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }

    private boolean shapesKnown(ConfigModel model) {
        Set<ConfigRenderer.Section> now = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (ConfigRenderer.Section s : model.sections()) {
            if (!knownSections.contains(s)) { // a section kept from the last render was looked at then
                for (ConfigRenderer.Server server : s.servers()) {
                    if (!acceptedShapes.contains(shapeKey(s, server))) {
                        return false;
                    }
                }
            }
            now.add(s);
        }
        knownSections = now;
        return true;
    }

    private void remember(ConfigModel model) {
        ConfigModel structure = model.structure();
        if (acceptedShapes.size() > MAX_REMEMBERED_SHAPES || !structure.equals(checkedStructure)) {
            // bounded: a hostile writer's endless variants only cost checks; and a shape is valid
            // only with the operator lines it was checked with
            acceptedShapes.clear();
        }
        checkedStructure = structure;
        knownSections = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        knownSections.addAll(model.sections());
        for (ConfigRenderer.Section s : model.sections()) {
            for (ConfigRenderer.Server server : s.servers()) {
                acceptedShapes.add(shapeKey(s, server));
            }
        }
    }

    /** A shape is known per backend (its operator lines are part of what made it valid) and per host kind. */
    private static String shapeKey(ConfigRenderer.Section s, ConfigRenderer.Server server) {
        return s.backendName() + "\u0000" + ConfigRenderer.Server.isIpLiteral(server.address()) + "\u0000"
                + (server.weight() != null) + "\u0000" + server.shape();
    }

    /** How check failures are named: {@code "haproxy -c"} or {@code "check_command"}. */
    private String checkName() {
        return checkCommand == null ? "haproxy -c" : "check_command";
    }

    /** Null when {@code haproxy -c} (or {@code check_command}) accepts the file, else its output. */
    String check(Path candidate) {
        List<String> argv = checkCommand != null ? checkCommand
                : List.of(haproxyPath, "-c", "-f", candidate.toString());
        String error = ProcessRunner.run(argv, checkName(), timeout);
        // Exit 2 "has no error but will not start (no listener)": a config of backends only is valid.
        if (error != null && error.startsWith(checkName() + " exited with 2:") && error.contains("has no error")) {
            return null;
        }
        return error;
    }
}
