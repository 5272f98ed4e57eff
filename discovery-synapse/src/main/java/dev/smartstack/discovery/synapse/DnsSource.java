package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.DiscoveryMetrics;
import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.core.Validation;
import dev.smartstack.discovery.core.internal.NamedThreadFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * The {@code dns} source: on its own daemon thread {@code smartstack-synapse-dns-<service>-1}, every
 * check interval (the first at once), each server's host name is looked up for A and AAAA records
 * (no SRV, as in Ruby), with no cache and no hosts file, at the configured name server or the
 * system's. The answers go through {@link DnsAnswers} (a failing name keeps its last good answer)
 * and the result to the service's {@link ServiceWatch}. A failure is logged at WARN and counted as
 * {@link #RESOLVE_FAILED} once when it starts (or changes), and its recovery logged once.
 */
final class DnsSource implements ListSource {
    private static final Logger log = LoggerFactory.getLogger(DnsSource.class);
    /** Counter: a name's resolution started failing. Tags: service, and the reason's kind. */
    static final String RESOLVE_FAILED = "smartstack.synapse.dns.resolve.failed";
    /** How long one query may take (per record type). */
    static final Duration QUERY_TIMEOUT = Duration.ofSeconds(5);

    private final ServiceWatch sink;
    private final DnsDiscovery discovery;
    private final DiscoveryMetrics metrics;
    private final DnsAnswers answers;
    private final ScheduledExecutorService timer;
    private final AtomicBoolean closed = new AtomicBoolean();
    private Resolver resolver;

    DnsSource(ServiceWatch sink, DnsDiscovery discovery, DiscoveryMetrics metrics) {
        this.sink = sink;
        this.discovery = discovery;
        this.metrics = metrics;
        this.answers = new DnsAnswers(discovery.servers());
        this.timer = Executors.newSingleThreadScheduledExecutor(
                new NamedThreadFactory("smartstack-synapse-dns-" + sink.name()));
    }

    @Override
    public void start() {
        long millis = discovery.checkInterval().toMillis();
        try {
            timer.scheduleWithFixedDelay(this::check, 0, millis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closedMeanwhile) {
            return;
        }
        log.info("synapse '{}' resolves {} every {} ms at {}", sink.name(),
                discovery.servers().stream().map(ServiceInstance::host).toList(), millis,
                discovery.nameserver().map(InetSocketAddress::toString).orElse("the system's name servers"));
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            timer.shutdownNow();
        }
    }

    private void check() {
        if (closed.get()) {
            return;
        }
        try {
            List<DnsAnswers.Answer> round = new ArrayList<>();
            for (ServiceInstance server : discovery.servers()) {
                round.add(resolve(server.host()));
            }
            DnsAnswers.Outcome o = answers.apply(round);
            o.nowFailing().forEach((host, why) -> {
                log.warn("synapse '{}' could not resolve {}: {}; keeping its last answer", sink.name(),
                        Validation.quote(host), why);
                metrics.increment(RESOLVE_FAILED, sink.name(), "resolve");
            });
            o.recovered().forEach(host -> log.info("synapse '{}' resolves {} again", sink.name(), Validation.quote(host)));
            if (!closed.get()) {
                sink.report(o.backends(), o.live());
            }
        } catch (Throwable t) {
            log.error("synapse '{}' failed to check its DNS names", sink.name(), t);
        }
    }

    /** One name's A and AAAA addresses; an IP literal as it is. Runs on the source's thread. */
    private DnsAnswers.Answer resolve(String host) {
        if (DnsDiscovery.isIpLiteral(host)) {
            return DnsAnswers.Answer.of(List.of(host));
        }
        List<String> addresses = new ArrayList<>();
        for (int type : new int[] {Type.A, Type.AAAA}) {
            Lookup lookup;
            try {
                lookup = new Lookup(host, type);
            } catch (TextParseException e) {
                return DnsAnswers.Answer.failed("not a DNS name: " + e.getMessage());
            }
            lookup.setResolver(resolver());
            lookup.setCache(null);
            lookup.setHostsFileParser(null);
            if (discovery.nameserver().isPresent()) {
                lookup.setSearchPath(List.of()); // names are absolute at a given name server
            }
            Record[] records = lookup.run();
            switch (lookup.getResult()) {
                case Lookup.SUCCESSFUL -> {
                    for (Record r : records) {
                        if (r instanceof ARecord a) {
                            addresses.add(a.getAddress().getHostAddress());
                        } else if (r instanceof AAAARecord a) {
                            addresses.add(DnsAnswers.ipv6Text(a.getAddress().getHostAddress()));
                        }
                    }
                }
                case Lookup.HOST_NOT_FOUND, Lookup.TYPE_NOT_FOUND -> {
                    // an authoritative "none": no backends from this type
                }
                default -> {
                    return DnsAnswers.Answer.failed(Type.string(type) + " lookup: " + lookup.getErrorString());
                }
            }
        }
        return DnsAnswers.Answer.of(addresses);
    }

    private Resolver resolver() {
        if (resolver == null) {
            Resolver r = discovery.nameserver().<Resolver>map(SimpleResolver::new).orElseGet(ExtendedResolver::new);
            r.setTimeout(QUERY_TIMEOUT);
            resolver = r;
        }
        return resolver;
    }
}
