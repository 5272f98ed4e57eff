package dev.smartstack.discovery.haproxy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Renders the HAProxy config. Pure: the same model always gives the same text, with no timestamp,
 * and the text always ends with a newline. Values from ZooKeeper arrive here already validated
 * (single tokens), and a last check refuses to emit any server line that is not one line free of
 * {@code #}.
 */
final class ConfigRenderer {
    /** The title of Ruby Synapse's shared frontend section, {@code frontend shared-frontend}. */
    static final String SHARED_FRONTEND = "shared-frontend";
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");

    /**
     * One server line's data. {@code options} holds the substituted server_options and the checked
     * haproxy_server_options; {@code shape} is what they were made of (the operator's template and
     * the checked options from ZooKeeper), the unit in which {@code haproxy -c} acceptance is
     * remembered. {@code key} is the znode the server came from (the first, when several render it).
     */
    record Server(String key, String name, String address, int id, String cookie, Integer weight, String options,
            String shape) {

        Server(String key, String name, String address, int id, String cookie, Integer weight, String options) {
            this(key, name, address, id, cookie, weight, options, options);
        }

        /**
         * The arguments after {@code server <name>} for {@code add server}: without the cookie, and
         * without {@code enabled}/{@code disabled}. HAProxy 2.6 shows a server added with
         * {@code enabled} as running but never sends it traffic; the output enables the server
         * afterwards unless {@link #startsDisabled()}.
         */
        String runtimeArguments() {
            StringBuilder sb = new StringBuilder();
            for (String t : arguments(false).split(" ")) {
                if (!t.equals("enabled") && !t.equals("disabled")) {
                    sb.append(sb.length() == 0 ? "" : " ").append(t);
                }
            }
            return sb.toString();
        }

        /** Whether the two render the same server line: equal in everything but the key (the znode). */
        boolean rendersAs(Server other) {
            return name.equals(other.name) && address.equals(other.address) && id == other.id
                    && java.util.Objects.equals(cookie, other.cookie) && java.util.Objects.equals(weight, other.weight)
                    && options.equals(other.options);
        }

        String line(boolean withCookie) {
            String line = "server " + name + " " + arguments(withCookie);
            if (!isIpLiteral(address) && !options.contains("init-addr")) {
                // A DNS name that does not resolve made `haproxy -c` (and so every candidate config
                // of every service) fail. Such a server starts without an address, in maintenance.
                // (Dynamic servers refuse init-addr; `add server` accepts an unresolvable name.)
                line += " init-addr last,libc,none";
            }
            if (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0 || line.indexOf('#') >= 0) {
                throw new IllegalStateException("refusing to render an unsafe server line for " + name);
            }
            return line;
        }

        private String arguments(boolean withCookie) {
            StringBuilder sb = new StringBuilder(address).append(" id ").append(id);
            if (withCookie && cookie != null) {
                sb.append(" cookie ").append(cookie);
            }
            if (weight != null) {
                sb.append(" weight ").append(weight);
            }
            if (!options.isEmpty()) {
                sb.append(' ').append(options);
            }
            return sb.toString();
        }

        /** Whether the options start the server in maintenance: the last of {@code disabled}/{@code enabled} wins. */
        boolean startsDisabled() {
            boolean disabled = false;
            for (String t : options.split(" ")) {
                if (t.equals("disabled")) {
                    disabled = true;
                } else if (t.equals("enabled")) {
                    disabled = false;
                }
            }
            return disabled;
        }

        /** Whether the host of {@code host:port} or {@code [v6]:port} is an IP address. */
        static boolean isIpLiteral(String address) {
            if (address.startsWith("[")) {
                return true;
            }
            int colon = address.lastIndexOf(':');
            String host = colon < 0 ? address : address.substring(0, colon);
            return IPV4.matcher(host).matches();
        }

        boolean hasCheck() {
            for (String t : options.split(" ")) {
                if (t.equals("check")) {
                    return true;
                }
            }
            return false;
        }
    }

    /** One service's frontend (when it has a port) and backend. */
    record Section(String service, HaproxyService config, String backendName, List<Server> servers) {
        boolean usesCookies() {
            return hasDirective(config.backend(), "cookie") || hasDirective(config.listen(), "cookie");
        }
    }

    private ConfigRenderer() {
    }

    static boolean hasDirective(List<String> lines, String directive) {
        for (String l : lines) {
            String s = l.strip();
            if (s.equals(directive) || s.startsWith(directive + " ") || s.startsWith(directive + "\t")) {
                return true;
            }
        }
        return false;
    }

    static String render(List<String> global, List<String> defaults, Map<String, List<String>> extraSections,
            List<Section> sections, String globalBindAddress, List<String> sharedFrontend) {
        return render(global, defaults, extraSections, sections, globalBindAddress, sharedFrontend,
                (s, bind) -> section(s, bind, server -> server.line(s.usesCookies())));
    }

    /**
     * The config, with each service's sections' text from {@code sectionText} (section, global bind
     * address). With {@code sharedFrontend} (null for none; see {@link #sharedFrontend}) the last
     * section is Ruby Synapse's {@code frontend shared-frontend} with those lines.
     */
    static String render(List<String> global, List<String> defaults, Map<String, List<String>> extraSections,
            List<Section> sections, String globalBindAddress, List<String> sharedFrontend,
            BiFunction<Section, String, String> sectionText) {
        StringBuilder sb = new StringBuilder(64 + sections.size() * 256);
        sb.append("# Generated by SmartStack for the JVM (dev.smartstack:discovery-haproxy). Do not edit.\n");
        block(sb, "global", global);
        block(sb, "defaults", defaults);
        for (Map.Entry<String, List<String>> e : extraSections.entrySet()) {
            block(sb, e.getKey(), e.getValue());
        }
        for (Section s : sections) {
            if (!s.config().disabled()) {
                sb.append(sectionText.apply(s, globalBindAddress));
            }
        }
        if (sharedFrontend != null) {
            block(sb, "frontend " + SHARED_FRONTEND, sharedFrontend);
        }
        return sb.toString();
    }

    /**
     * The lines of {@code frontend shared-frontend}, or null without a global {@code shared_frontend}:
     * the global lines, then each enabled service's {@code shared_frontend} lines in the order the
     * services were configured ({@code configured}, as Ruby Synapse goes through its watchers; the
     * order of {@code use_backend} rules is the order HAProxy tries them), then those of any other
     * section in section order.
     */
    static List<String> sharedFrontend(List<String> global, List<Section> sections, java.util.Collection<String> configured) {
        if (global == null) {
            return null;
        }
        Map<String, Section> byService = new java.util.LinkedHashMap<>();
        for (Section s : sections) {
            byService.put(s.service(), s);
        }
        List<String> lines = new ArrayList<>(global);
        for (String service : configured) {
            Section s = byService.remove(service);
            if (s != null && !s.config().disabled()) {
                lines.addAll(s.config().sharedFrontend());
            }
        }
        for (Section s : byService.values()) {
            if (!s.config().disabled()) {
                lines.addAll(s.config().sharedFrontend());
            }
        }
        return List.copyOf(lines);
    }

    /** The text of one service's frontend (when it has a port) and backend, each server line from {@code line}. */
    static String section(Section s, String globalBindAddress, Function<Server, String> line) {
        StringBuilder sb = new StringBuilder(128 + s.servers().size() * 64);
        HaproxyService c = s.config();
        if (c.hasFrontend()) {
            List<String> lines = new ArrayList<>(c.frontend());
            lines.addAll(c.listen());
            String addr = c.bindAddress() != null ? c.bindAddress() : globalBindAddress;
            lines.add("bind " + addr + (c.port() == null ? "" : ":" + c.port())
                    + (c.bindOptions().isEmpty() ? "" : " " + c.bindOptions()));
            lines.add("default_backend " + s.backendName());
            block(sb, "frontend " + s.service(), lines);
        }
        List<String> lines = new ArrayList<>(c.backend().size() + c.listen().size() + s.servers().size());
        lines.addAll(c.backend());
        lines.addAll(c.listen());
        for (Server server : s.servers()) {
            lines.add(line.apply(server));
        }
        block(sb, "backend " + s.backendName(), lines);
        return sb.toString();
    }

    private static void block(StringBuilder sb, String title, List<String> lines) {
        sb.append('\n').append(title).append('\n');
        for (String l : lines) {
            sb.append("  ").append(l.strip()).append('\n');
        }
    }

    /** {@code server_options} with {@code %{host}}, {@code %{port}} and {@code %{name}} replaced. */
    static String substitute(String serverOptions, String host, int port, String name) {
        return serverOptions.replace("%{host}", host).replace("%{port}", Integer.toString(port)).replace("%{name}", name);
    }

    /** A server name from Synapse's {@code <name>_<host>:<port>}, kept to HAProxy's name characters. */
    static String serverName(String instanceName, String host, int port) {
        return dev.smartstack.discovery.core.Validation.serverName(instanceName, host, port);
    }

    static String cookieValue(HaproxyService.CookieValueMethod method, String serverName) {
        if (method == HaproxyService.CookieValueMethod.NAME) {
            return serverName;
        }
        try {
            byte[] d = MessageDigest.getInstance("SHA-1").digest(serverName.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from this JVM", e);
        }
    }

    /**
     * The servers in {@code backend_order}. The shuffle starts from the servers sorted by name and is
     * seeded by {@code server_order_seed} when given (the same seed for every backend, as in Ruby
     * Synapse), else by the service name; so the same set of servers always comes out in the same
     * order and a re-render does not churn the file.
     */
    static List<Server> order(List<Server> servers, HaproxyService.BackendOrder order, String service, Long seed) {
        List<Server> out = new ArrayList<>(servers);
        switch (order) {
            case ASC -> out.sort(Comparator.comparing(Server::name));
            case DESC -> out.sort(Comparator.comparing(Server::name).reversed());
            case NO_SHUFFLE -> {
            }
            case SHUFFLE -> {
                out.sort(Comparator.comparing(Server::name));
                Collections.shuffle(out, new Random(seed != null ? seed : service.hashCode()));
            }
        }
        return out;
    }
}
