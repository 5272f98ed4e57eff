package dev.smartstack.discovery.core;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * Validation of every value that can travel from ZooKeeper into a consumer's configuration (an
 * HAProxy config, a file name, a log line). All data read from ZooKeeper is untrusted: a value that
 * could break or inject configuration is refused with an {@link InvalidInstanceException} whose
 * message names the field and shows the value with control characters escaped.
 *
 * <p>The rules are deliberately narrow:
 * <ul>
 *   <li>host: a DNS name (letters, digits, {@code - _ .}, at most 253 characters), an IPv4 address,
 *       or an IPv6 address without brackets;</li>
 *   <li>port: 1 to 65535;</li>
 *   <li>name: 1 to 200 of {@code [A-Za-z0-9._:@-]};</li>
 *   <li>weight: 0 to 256 (HAProxy's range);</li>
 *   <li>label keys: 1 to 63 of {@code [A-Za-z0-9._/-]}; label values: at most 256 printable
 *       characters, no control characters;</li>
 *   <li>{@code haproxy_server_options}: at most 512 printable ASCII characters with no {@code #},
 *       quotes or backslashes. Which keywords are allowed is decided by the HAProxy output.</li>
 * </ul>
 */
public final class Validation {
    /** The largest weight HAProxy accepts. */
    public static final int MAX_WEIGHT = 256;
    public static final int MAX_NAME_LENGTH = 200;
    public static final int MAX_HOST_LENGTH = 253;
    public static final int MAX_LABEL_VALUE_LENGTH = 256;
    public static final int MAX_SERVER_OPTIONS_LENGTH = 512;

    private static final Pattern HOSTNAME =
            Pattern.compile("(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\\.?");
    private static final Pattern IPV4 =
            Pattern.compile("(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]{2,45}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:@-]{1," + MAX_NAME_LENGTH + "}");
    private static final Pattern PROXY_NAME = Pattern.compile("[A-Za-z0-9._:-]+");
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9._:\\[\\]*-]+");
    private static final Pattern LABEL_KEY = Pattern.compile("[A-Za-z0-9._/-]{1,63}");
    private static final Pattern SERVER_OPTIONS = Pattern.compile("[\\x20-\\x7e&&[^#\"'\\\\]]*");

    private Validation() {
    }

    /** Returns {@code host} if it is a DNS name or an IP address, else throws. */
    public static String requireValidHost(String host) {
        if (host == null) {
            throw new InvalidInstanceException("host", "host == null");
        }
        if (isValidHost(host)) {
            return host;
        }
        throw new InvalidInstanceException("host",
                "host must be a DNS name or an IP address but was " + quote(host));
    }

    /** Whether {@code host} is a DNS name, an IPv4 address or an IPv6 address. */
    public static boolean isValidHost(String host) {
        if (host == null || host.isEmpty() || host.length() > MAX_HOST_LENGTH) {
            return false;
        }
        if (IPV4.matcher(host).matches() || HOSTNAME.matcher(host).matches() && !looksNumeric(host)) {
            return true;
        }
        return host.indexOf(':') >= 0 && IPV6_CHARS.matcher(host).matches() && isIpv6Literal(host);
    }

    private static boolean looksNumeric(String host) {
        // "1.2.3.999" is neither a valid IPv4 address nor a name anyone means.
        return host.chars().allMatch(c -> c == '.' || Character.isDigit(c));
    }

    private static boolean isIpv6Literal(String host) {
        try {
            // Only called on [0-9A-Fa-f:.] strings, so this never does a DNS lookup.
            return java.net.InetAddress.getByName(host) instanceof java.net.Inet6Address;
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    /** Returns {@code port} if it is in [1, 65535], else throws. */
    public static int requireValidPort(int port) {
        return requireValidPort("port", port);
    }

    /** Returns {@code port} if it is in [1, 65535], else throws naming {@code field}. */
    public static int requireValidPort(String field, long port) {
        if (port < 1 || port > 65535) {
            throw new InvalidInstanceException(field, field + " must be in [1, 65535] but was " + port);
        }
        return (int) port;
    }

    /** Returns {@code name} if it is 1 to 200 of {@code [A-Za-z0-9._:@-]}, else throws. */
    public static String requireValidName(String name) {
        return requireValidName("name", name);
    }

    /** As {@link #requireValidName(String)}, naming {@code field} in the message. */
    public static String requireValidName(String field, String name) {
        if (name == null) {
            throw new InvalidInstanceException(field, field + " == null");
        }
        if (!NAME.matcher(name).matches()) {
            throw new InvalidInstanceException(field, field + " must be 1 to " + MAX_NAME_LENGTH
                    + " characters of [A-Za-z0-9._:@-] but was " + quote(name));
        }
        return name;
    }

    /** Whether {@code name} is a valid instance or server name. */
    public static boolean isValidName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /**
     * Returns {@code value} if it can name an HAProxy proxy (a frontend named after a service, a
     * {@code backend_name}): one token of {@code [A-Za-z0-9._:-]}; else throws
     * {@link IllegalArgumentException} naming {@code field}.
     */
    public static String requireProxyName(String field, String value) {
        if (value == null || !PROXY_NAME.matcher(value).matches()) {
            throw new IllegalArgumentException(field + " must be one token of [A-Za-z0-9._:-] but was " + quote(value));
        }
        return value;
    }

    /**
     * Returns {@code value} if it is one token of {@code [A-Za-z0-9._:[]*-]} (an address such as
     * {@code [::1]} or {@code *}), else throws {@link IllegalArgumentException} naming {@code field}.
     */
    public static String requireToken(String field, String value) {
        if (value == null || !TOKEN.matcher(value).matches()) {
            throw new IllegalArgumentException(field + " must be one token of [A-Za-z0-9._:[]*-] but was " + quote(value));
        }
        return value;
    }

    /**
     * An HAProxy server name from Synapse's {@code <name>_<host>:<port>}, with every character
     * outside {@code [A-Za-z0-9._:-]} replaced by {@code _}.
     */
    public static String serverName(String instanceName, String host, int port) {
        String raw = instanceName + "_" + host + ":" + port;
        StringBuilder sb = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_'
                    || c == '-' || c == ':';
            sb.append(ok ? c : '_');
        }
        return sb.toString();
    }

    /** Returns {@code weight} if it is in [0, 256], else throws. */
    public static int requireValidWeight(long weight) {
        if (weight < 0 || weight > MAX_WEIGHT) {
            throw new InvalidInstanceException("weight", "weight must be in [0, " + MAX_WEIGHT + "] but was " + weight);
        }
        return (int) weight;
    }

    /** Returns {@code labels} if every key and value is acceptable, else throws naming the label. */
    public static Map<String, String> requireValidLabels(Map<String, String> labels) {
        if (labels == null) {
            throw new InvalidInstanceException("labels", "labels == null");
        }
        for (Map.Entry<String, String> e : labels.entrySet()) {
            String key = e.getKey();
            if (key == null || !LABEL_KEY.matcher(key).matches()) {
                throw new InvalidInstanceException("labels",
                        "label keys must be 1 to 63 characters of [A-Za-z0-9._/-] but was " + quote(key));
            }
            String value = e.getValue();
            String field = "labels." + key;
            if (value == null) {
                throw new InvalidInstanceException(field, "label '" + key + "' must be a string but was null");
            }
            if (value.length() > MAX_LABEL_VALUE_LENGTH || hasControlCharacter(value)) {
                throw new InvalidInstanceException(field, "label '" + key + "' must be at most "
                        + MAX_LABEL_VALUE_LENGTH + " characters with no control characters but was " + quote(value));
            }
        }
        return labels;
    }

    /**
     * Returns {@code options} if it is at most 512 printable ASCII characters with no {@code #},
     * quotes or backslashes, else throws. This only guarantees that the string stays on one line and
     * cannot start a comment; the HAProxy output also checks its keywords against a whitelist.
     */
    public static String requireValidServerOptions(String options) {
        if (options == null) {
            throw new InvalidInstanceException("haproxy_server_options", "haproxy_server_options == null");
        }
        if (options.length() > MAX_SERVER_OPTIONS_LENGTH || !SERVER_OPTIONS.matcher(options).matches()) {
            throw new InvalidInstanceException("haproxy_server_options", "haproxy_server_options must be at most "
                    + MAX_SERVER_OPTIONS_LENGTH + " printable ASCII characters without # \" ' or \\ but was "
                    + quote(options));
        }
        return options;
    }

    /**
     * Whether {@code path} is an absolute ZooKeeper path that ZooKeeper accepts: it starts with
     * {@code /}, has no empty, {@code .} or {@code ..} segment, no trailing {@code /} (except the
     * root itself) and no control character.
     */
    public static boolean isValidZkPath(String path) {
        if (path == null || !path.startsWith("/") || hasControlCharacter(path)) {
            return false;
        }
        if (path.equals("/")) {
            return true;
        }
        if (path.endsWith("/") || path.contains("//")) {
            return false;
        }
        for (String part : path.substring(1).split("/")) {
            if (part.equals(".") || part.equals("..")) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code s} holds a C0 or C1 control character, including CR, LF and TAB, or DEL. */
    public static boolean hasControlCharacter(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029') {
                return true;
            }
        }
        return false;
    }

    /**
     * Quotes a value for an error message or a log line: control and non-ASCII characters are
     * escaped, so the message stays on one line whatever the value holds, and long values are cut.
     */
    public static String quote(String value) {
        if (value == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder(Math.min(value.length(), 120) + 2).append('"');
        int limit = Math.min(value.length(), 100);
        for (int i = 0; i < limit; i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20 || c >= 0x7f) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        if (value.length() > limit) {
            sb.append("...(").append(value.length()).append(" chars)");
        }
        return sb.append('"').toString();
    }
}
