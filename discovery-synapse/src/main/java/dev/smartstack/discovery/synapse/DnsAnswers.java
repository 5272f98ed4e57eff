package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.ServiceInstance;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@code dns} service's names last resolved to, and the backends that makes: each address
 * of a server's name is a backend with the server's name, port and labels, servers in their
 * configured order and each one's addresses sorted (as Ruby sorts them). A name whose resolution
 * fails keeps its last good answer (Ruby keeps the previous backends when any name fails; here only
 * the failing name's are kept, and the others follow their answers). A name that does not exist,
 * or has no address, has no backends. Pure and not thread-safe: one {@link DnsSource} thread uses it.
 */
final class DnsAnswers {
    /** One name's answer: its addresses, or why it could not be resolved. */
    record Answer(List<String> addresses, String failure) {
        static Answer of(List<String> addresses) {
            return new Answer(List.copyOf(addresses), null);
        }

        static Answer failed(String reason) {
            return new Answer(List.of(), Objects.requireNonNull(reason, "reason == null"));
        }

        boolean ok() {
            return failure == null;
        }
    }

    /**
     * The result of one round of answers.
     *
     * @param backends the backends, from every name's last good answer
     * @param live whether every name answered this round
     * @param nowFailing the hosts whose resolution started failing (or failed differently) this round, with why
     * @param recovered the hosts that answered again after failing
     */
    record Outcome(List<ServiceInstance> backends, boolean live, Map<String, String> nowFailing, List<String> recovered) {
    }

    private final List<ServiceInstance> servers;
    private final Map<Integer, List<String>> lastGood = new HashMap<>();
    private final Map<Integer, String> failing = new HashMap<>();

    DnsAnswers(List<ServiceInstance> servers) {
        this.servers = List.copyOf(servers);
    }

    /** Applies one answer per server, in the servers' order. */
    Outcome apply(List<Answer> answers) {
        if (answers.size() != servers.size()) {
            throw new IllegalArgumentException("expected " + servers.size() + " answers but got " + answers.size());
        }
        Map<String, String> nowFailing = new java.util.LinkedHashMap<>();
        List<String> recovered = new ArrayList<>();
        List<ServiceInstance> backends = new ArrayList<>();
        for (int i = 0; i < servers.size(); i++) {
            Answer a = answers.get(i);
            String host = servers.get(i).host();
            if (a.ok()) {
                lastGood.put(i, a.addresses().stream().distinct().sorted().toList());
                if (failing.remove(i) != null) {
                    recovered.add(host);
                }
            } else if (!a.failure().equals(failing.put(i, a.failure()))) {
                nowFailing.put(host, a.failure());
            }
            ServiceInstance server = servers.get(i);
            for (String address : lastGood.getOrDefault(i, List.of())) {
                backends.add(server.toBuilder().host(address).build());
            }
        }
        return new Outcome(List.copyOf(backends), failing.isEmpty(), nowFailing, List.copyOf(recovered));
    }

    /**
     * An IPv6 address as RFC 5952 writes it ({@code ::1}, as Ruby prints it), from Java's full form
     * ({@code 0:0:0:0:0:0:0:1}): the longest run of two or more zero groups becomes {@code ::}.
     */
    static String ipv6Text(String full) {
        String[] groups = full.split(":", -1);
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < groups.length; i++) {
            int j = i;
            while (j < groups.length && groups[j].equals("0")) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = Math.max(i, j);
        }
        if (bestStart < 0) {
            return full;
        }
        String head = String.join(":", java.util.Arrays.copyOfRange(groups, 0, bestStart));
        String tail = String.join(":", java.util.Arrays.copyOfRange(groups, bestStart + bestLength, groups.length));
        return head + "::" + tail;
    }
}
