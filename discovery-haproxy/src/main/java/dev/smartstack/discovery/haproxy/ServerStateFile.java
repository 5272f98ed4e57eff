package dev.smartstack.discovery.haproxy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * The {@code server-state-file} written before a reload or a stop, so that the next HAProxy starts
 * with the servers' runtime state (maintenance, weights, health).
 */
final class ServerStateFile {
    private final Path target;

    ServerStateFile(Path target) {
        this.target = target;
    }

    Path path() {
        return target;
    }

    /**
     * Writes the lines of {@code show servers state} worth carrying over, atomically.
     *
     * @param ids for each of our backends, the servers the next config has, name to id
     */
    void write(String showServersState, Map<String, Map<String, Integer>> ids) throws IOException {
        if (!showServersState.startsWith("1")) {
            throw new IOException("show servers state answered in an unknown format: "
                    + dev.smartstack.discovery.core.Validation.quote(showServersState.lines().findFirst().orElse("")));
        }
        String text = keep(showServersState, ids);
        Path tmp = Files.createTempFile(target.toAbsolutePath().getParent(), "." + target.getFileName(), ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * The lines to carry over: for our backends only those of servers that the new config has
     * under the same name and id. HAProxy 2.6 applies a saved state by name even when the id
     * differs: a server put into maintenance to leave and joining again under the same name with a
     * new id stayed in maintenance after the reload. Pure.
     */
    static String keep(String text, Map<String, Map<String, Integer>> ids) {
        StringBuilder out = new StringBuilder(text.length());
        for (String line : text.split("\n", -1)) {
            String[] t = line.split(" ");
            if (!line.startsWith("#") && t.length > 4 && ids.containsKey(t[1])) {
                Integer id = ids.get(t[1]).get(t[3]);
                if (id == null || !Integer.toString(id).equals(t[2])) {
                    continue;
                }
            }
            out.append(line).append('\n');
        }
        out.setLength(Math.max(0, out.length() - 1));
        return out.toString();
    }
}
