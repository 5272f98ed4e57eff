package dev.smartstack.discovery.haproxy;

import dev.smartstack.discovery.core.DiscoveryMetrics;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The settings of one output, checked by {@link HaproxyOutputBuilder#build()}; immutable.
 * {@code socketFilePaths} is empty without the runtime API; {@code sharedFrontend},
 * {@code serverOrderSeed}, {@code checkCommand} and {@code candidateConfigFilePath} are null when not set.
 */
record Settings(List<String> global, List<String> defaults, Map<String, List<String>> extraSections,
        Map<String, HaproxyService> services, Path configFilePath, boolean doWrites, HaproxyReload reload,
        boolean doSocket, List<Path> socketFilePaths, Duration restartInterval, double restartJitter,
        Path serverStateFilePath, String bindAddress, boolean useNerveWeights, int maxServerId, String haproxyPath,
        Path masterSocketPath, Path pidFilePath, Duration commandTimeout, Duration drainTimeout,
        DiscoveryMetrics metrics, Clock clock, List<HaproxyListener> listeners, List<String> sharedFrontend,
        Long serverOrderSeed, List<String> checkCommand, Path candidateConfigFilePath) {

    /** The first {@code socket_file_path} (the one a managed HAProxy is given), or null without the socket. */
    Path socketFilePath() {
        return socketFilePaths.isEmpty() ? null : socketFilePaths.get(0);
    }

    boolean manageProcess() {
        return reload instanceof HaproxyReload.Managed;
    }

    List<String> effectiveGlobal() {
        List<String> out = new ArrayList<>(global);
        if (manageProcess() && doSocket && !startsWith(global, "stats socket")) {
            for (Path socket : socketFilePaths) {
                out.add("stats socket " + socket + " mode 600 level admin");
            }
        }
        if (doSocket && serverStateFilePath != null && !startsWith(global, "server-state-file")) {
            out.add("server-state-file " + serverStateFilePath);
        }
        return out;
    }

    List<String> effectiveDefaults() {
        List<String> out = new ArrayList<>(defaults);
        if (doSocket && serverStateFilePath != null && !startsWith(defaults, "load-server-state-from-file")) {
            out.add("load-server-state-from-file global");
        }
        return out;
    }

    private static boolean startsWith(List<String> lines, String prefix) {
        for (String l : lines) {
            if (l.strip().startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }
}
