package dev.smartstack.discovery.haproxy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The whitelist for {@code haproxy_server_options} read from ZooKeeper. The value is split on
 * spaces; each keyword must be listed here, with the argument its kind requires:
 * <ul>
 *   <li>flags: {@code backup check disabled enabled non-stick send-proxy send-proxy-v2 agent-check
 *       no-backup no-check no-send-proxy check-send-proxy};</li>
 *   <li>an integer: {@code weight} (0..256), {@code maxconn minconn maxqueue rise fall error-limit
 *       agent-inter} (0..1000000), {@code port agent-port} (1..65535);</li>
 *   <li>a time ({@code 10}, {@code 500ms}, {@code 2s}, {@code 1m}; units us/ms/s/m/h/d) of at most
 *       2147483647 ms, HAProxy's limit: {@code inter fastinter downinter agent-inter} (not zero),
 *       {@code slowstart};</li>
 *   <li>an enumerated value: {@code on-marked-down shutdown-sessions},
 *       {@code on-marked-up shutdown-backup-sessions},
 *       {@code on-error fastinter|fail-check|sudden-death|mark-down},
 *       {@code observe layer4|layer7}.</li>
 * </ul>
 * {@code agent-check} needs an {@code agent-port} (here or in the operator's {@code server_options}).
 * Anything that {@code haproxy -c} would refuse must be refused here: otherwise one znode would make
 * every candidate config invalid and hold back the changes of all other services.
 * Anything else (for example {@code id}, {@code cookie}, {@code addr}, {@code ssl}, {@code crt},
 * or any keyword that names a file or an address) refuses the backend.
 */
final class ServerOptionsPolicy {
    private static final Set<String> FLAGS = Set.of("backup", "check", "disabled", "enabled", "non-stick",
            "send-proxy", "send-proxy-v2", "agent-check", "no-backup", "no-check", "no-send-proxy", "check-send-proxy");
    private static final Map<String, long[]> INTS = Map.of("weight", new long[] {0, 256},
            "maxconn", new long[] {0, 1_000_000}, "minconn", new long[] {0, 1_000_000},
            "maxqueue", new long[] {0, 1_000_000}, "rise", new long[] {1, 1_000_000},
            "fall", new long[] {1, 1_000_000}, "error-limit", new long[] {1, 1_000_000},
            "port", new long[] {1, 65535}, "agent-port", new long[] {1, 65535});
    private static final Set<String> TIMES = Set.of("inter", "fastinter", "downinter", "slowstart", "agent-inter");
    /** Times that HAProxy refuses when zero ("invalid value 0 for argument 'inter'"). */
    private static final Set<String> POSITIVE_TIMES = Set.of("inter", "fastinter", "downinter", "agent-inter");
    /** HAProxy's largest time: "timer overflow ... maximum value is 2147483647 ms (~24.8 days)". */
    private static final long MAX_TIME_MILLIS = Integer.MAX_VALUE;
    private static final Map<String, Set<String>> ENUMS = Map.of("on-marked-down", Set.of("shutdown-sessions"),
            "on-marked-up", Set.of("shutdown-backup-sessions"),
            "on-error", Set.of("fastinter", "fail-check", "sudden-death", "mark-down"),
            "observe", Set.of("layer4", "layer7"));
    private static final Pattern INT = Pattern.compile("\\d{1,9}");
    private static final Pattern TIME = Pattern.compile("(\\d{1,9})(us|ms|s|m|h|d)?");

    private ServerOptionsPolicy() {
    }

    /**
     * The options normalised to single spaces, or throws {@link IllegalArgumentException} with the
     * reason when a keyword or argument is not allowed.
     */
    static String check(String options) {
        String[] tokens = options.strip().isEmpty() ? new String[0] : options.strip().split(" +");
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < tokens.length; i++) {
            String k = tokens[i];
            String arg = null;
            if (FLAGS.contains(k)) {
                // no argument
            } else if (INTS.containsKey(k) || TIMES.contains(k) || ENUMS.containsKey(k)) {
                if (i + 1 >= tokens.length) {
                    throw new IllegalArgumentException("haproxy_server_options keyword '" + k + "' needs an argument");
                }
                arg = tokens[++i];
                if (INTS.containsKey(k)) {
                    long[] range = INTS.get(k);
                    if (!INT.matcher(arg).matches() || Long.parseLong(arg) < range[0] || Long.parseLong(arg) > range[1]) {
                        throw new IllegalArgumentException("haproxy_server_options '" + k + "' must be an integer in ["
                                + range[0] + ", " + range[1] + "] but was " + quote(arg));
                    }
                } else if (TIMES.contains(k)) {
                    java.util.regex.Matcher m = TIME.matcher(arg);
                    if (!m.matches()) {
                        throw new IllegalArgumentException("haproxy_server_options '" + k
                                + "' must be a time such as 2s or 500ms but was " + quote(arg));
                    }
                    long value = Long.parseLong(m.group(1));
                    long millis = toMillis(value, m.group(2));
                    boolean positive = POSITIVE_TIMES.contains(k);
                    if (positive && value == 0 || millis > MAX_TIME_MILLIS) {
                        // haproxy -c would refuse the whole file, holding back every other backend
                        throw new IllegalArgumentException("haproxy_server_options '" + k + "' must be a time in ["
                                + (positive ? "1us" : "0") + ", 24d] but was " + quote(arg));
                    }
                } else if (!ENUMS.get(k).contains(arg)) {
                    throw new IllegalArgumentException("haproxy_server_options '" + k + "' must be one of "
                            + new java.util.TreeSet<>(ENUMS.get(k)) + " but was " + quote(arg));
                }
            } else {
                throw new IllegalArgumentException("haproxy_server_options keyword " + quote(k) + " is not allowed");
            }
            if (out.length() > 0) {
                out.append(' ');
            }
            out.append(k);
            if (arg != null) {
                out.append(' ').append(arg);
            }
        }
        return out.toString();
    }

    /** A time in milliseconds, microseconds rounded up as HAProxy does. */
    private static long toMillis(long value, String unit) {
        if (unit == null) {
            return value;
        }
        return switch (unit) {
            case "us" -> (value + 999) / 1000;
            case "ms" -> value;
            case "s" -> value * 1000;
            case "m" -> value * 60_000;
            case "h" -> value * 3_600_000;
            default -> value * 86_400_000;
        };
    }

    /**
     * Checks the whole option set of one server (the operator's {@code server_options} and the
     * checked {@code haproxy_server_options}) for combinations that {@code haproxy -c} refuses:
     * {@code agent-check} from ZooKeeper without an {@code agent-port}.
     */
    static void checkCombination(String fromZooKeeper, String all) {
        List<String> own = List.of(fromZooKeeper.split(" "));
        if (own.contains("agent-check") && !List.of(all.split(" ")).contains("agent-port")) {
            throw new IllegalArgumentException("haproxy_server_options 'agent-check' needs an 'agent-port'");
        }
    }

    private static String quote(String s) {
        return dev.smartstack.discovery.core.Validation.quote(s);
    }
}
