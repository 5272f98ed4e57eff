package dev.smartstack.discovery.agent;

import dev.smartstack.discovery.agent.config.ConfigException;
import dev.smartstack.discovery.agent.config.SynapseConfig;
import dev.smartstack.discovery.agent.config.ZnodeHaproxy;
import dev.smartstack.discovery.core.DiscoveryMetrics;
import dev.smartstack.discovery.core.Validation;
import dev.smartstack.discovery.core.internal.NamedThreadFactory;
import dev.smartstack.discovery.haproxy.HaproxyOutput;
import dev.smartstack.discovery.haproxy.HaproxyService;
import dev.smartstack.discovery.synapse.ZnodeDataWatch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each zookeeper service's HAProxy settings as Ruby Synapse takes them from ZooKeeper: the
 * {@code haproxy} object in the data of {@code generator_config_path} (by default the service's
 * {@code discovery.path}; {@code disabled} reads nothing), watched with one {@code getData} per
 * change ({@code zookeeper_poll}: one {@code getData} each {@code polling_interval_sec}, no watch). Settings that pass the rules below are tried with {@code haproxy -c} (on the
 * {@code smartstack-synapse-generator-config} thread) before they apply, so that a line HAProxy
 * refuses never holds back the config writes of the other services.
 *
 * <p>As in Ruby, settings found in the znode replace the service's {@code haproxy} section of the
 * config file whole (no key-by-key merge; keys left out take their defaults), and data with no
 * settings (no {@code haproxy} key, empty data, a missing znode) keeps whatever applies now. Unlike
 * Ruby, the data is untrusted: {@link ZnodeHaproxy} holds it to the config file's rules and
 * HaproxyService's builder to its value checks; refused data leaves the current settings serving
 * and is logged at ERROR, counted ({@link DiscoveryMetrics#ZNODE_REFUSED}, detail
 * {@code generator_config}) and shown in {@code /status}, once per version of the znode.
 */
final class GeneratorConfigs implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GeneratorConfigs.class);
    static final String REFUSED_DETAIL = "generator_config";

    /** One service's znode and the settings from it in force; guarded by the enclosing instance. */
    private static final class Entry {
        final String znode;
        /** {@code zookeeper_poll}: read each interval, no watch; null when watched. */
        final Duration pollingInterval;
        Optional<SynapseConfig.ServiceHaproxy> znodeSettings = Optional.empty();

        Entry(String znode, Duration pollingInterval) {
            this.znode = znode;
            this.pollingInterval = pollingInterval;
        }
    }

    private final HaproxyOutput output;
    private final DiscoveryMetrics metrics;
    private final SynapseStatus status;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Map<String, List<String>> servicesByHosts = new LinkedHashMap<>();
    private final List<ZnodeDataWatch> watches = new ArrayList<>();
    /** Runs the checks and applies the settings, one at a time in the order they came. */
    private final Executor applier;
    private boolean closed;

    /** The services of {@code config} that read settings from ZooKeeper; none without an {@code haproxy} generator. */
    GeneratorConfigs(SynapseConfig config, HaproxyOutput output, DiscoveryMetrics metrics, SynapseStatus status) {
        this(config, output, metrics, status, output == null ? Runnable::run
                : Executors.newSingleThreadExecutor(new NamedThreadFactory("smartstack-synapse-generator-config")));
    }

    /** With the executor that checks and applies settings ({@code Runnable::run} in tests). */
    GeneratorConfigs(SynapseConfig config, HaproxyOutput output, DiscoveryMetrics metrics, SynapseStatus status,
            Executor applier) {
        this.applier = applier;
        this.output = output;
        this.metrics = metrics;
        this.status = status;
        if (output == null) {
            return;
        }
        for (SynapseConfig.Service s : config.services().values()) {
            s.generatorConfigZnode().ifPresent(znode -> {
                entries.put(s.name(), new Entry(znode, s.method().equals("zookeeper_poll")
                        ? SynapseAgent.pollingInterval(s.discovery().pollingInterval()) : null));
                servicesByHosts.computeIfAbsent(s.connectString(), k -> new ArrayList<>()).add(s.name());
            });
        }
    }

    /** Whether a service on these hosts reads its settings from ZooKeeper. */
    boolean watches(String connectString) {
        return servicesByHosts.containsKey(connectString);
    }

    /** Starts the watches of the services on {@code connectString}, with that cluster's started client. */
    void start(String connectString, CuratorFramework client) {
        List<ZnodeDataWatch> starting = new java.util.ArrayList<>();
        synchronized (this) {
            if (closed) {
                return;
            }
            for (String service : servicesByHosts.getOrDefault(connectString, List.of())) {
                Entry e = entries.get(service);
                ZnodeDataWatch.Builder b = ZnodeDataWatch.builder().curator(client).path(e.znode)
                        .listener((path, data, mzxid) -> data(service, path, data, mzxid));
                if (e.pollingInterval != null) {
                    b.pollingInterval(e.pollingInterval);
                }
                ZnodeDataWatch w = b.build();
                watches.add(w);
                starting.add(w);
            }
        }
        // The first reads are sent with no lock held; a watch that close() closed meanwhile stays closed.
        for (ZnodeDataWatch w : starting) {
            try {
                w.start();
            } catch (IllegalStateException closedMeanwhile) {
                log.debug("synapse: {} closed before it started", w);
            }
        }
    }

    /**
     * The config file's section of a service changed (a reload of the file): applied unless
     * settings from its znode apply, which stay in force.
     */
    synchronized void fileSection(String service, SynapseConfig.ServiceHaproxy section) {
        Entry e = entries.get(service);
        if (e != null && e.znodeSettings.isPresent()) {
            log.info("synapse '{}': the config file's haproxy section changed, but the settings of znode {} stay in force",
                    service, e.znode);
            return;
        }
        output.configure(service, HaproxyGenerator.service(section));
    }

    /**
     * On the ZooKeeper event thread, once per version of the znode: parsed and checked there, then
     * handed to the settings thread, which has {@code haproxy -c} check the candidate and applies it.
     */
    void data(String service, String path, byte[] data, long mzxid) {
        String version = mzxid == ZnodeDataWatch.ABSENT ? "missing" : "mzxid 0x" + Long.toHexString(mzxid);
        SynapseConfig.ServiceHaproxy section;
        HaproxyService candidate;
        try {
            Optional<SynapseConfig.ServiceHaproxy> settings = ZnodeHaproxy.parse(path, data);
            if (settings.isEmpty()) {
                log.info("synapse '{}': znode {} ({}) holds no haproxy settings; the current ones stay in force",
                        service, path, version);
                return;
            }
            section = settings.get();
            candidate = HaproxyGenerator.service(section);
        } catch (ConfigException | IllegalArgumentException x) {
            refuse(service, path, version, String.valueOf(x.getMessage()));
            return;
        }
        try {
            applier.execute(() -> apply(service, path, version, section, candidate));
        } catch (RejectedExecutionException closed) {
            // closing: nothing more is applied
        }
    }

    private void apply(String service, String path, String version, SynapseConfig.ServiceHaproxy section,
            HaproxyService candidate) {
        synchronized (this) {
            if (closed || section.equals(entries.get(service).znodeSettings.orElse(null))) {
                return;
            }
        }
        try {
            Optional<String> error = output.check(service, candidate); // blocks on haproxy -c, no lock held
            if (error.isPresent()) {
                refuse(service, path, version, "haproxy -c refused the config with these settings: "
                        + alerts(error.get()));
                return;
            }
            synchronized (this) {
                if (closed) {
                    return;
                }
                output.configure(service, candidate);
                entries.get(service).znodeSettings = Optional.of(section);
            }
        } catch (IllegalArgumentException x) {
            refuse(service, path, version, String.valueOf(x.getMessage()));
            return;
        }
        log.info("synapse '{}' applies the haproxy settings of znode {} ({})", service, path, version);
    }

    /** HAProxy's {@code [ALERT]} lines on one line, which say what it refused (its notices come first). */
    static String alerts(String output) {
        List<String> alerts = output.lines().filter(l -> l.contains("[ALERT]")).map(String::strip).toList();
        String text = alerts.isEmpty() ? output.strip() : String.join(" ", alerts);
        return text.codePoints().map(c -> Character.isISOControl(c) ? ' ' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }

    private void refuse(String service, String path, String version, String reason) {
        log.error("synapse '{}' refused the haproxy settings in znode {} ({}): {}; the current settings stay in force",
                service, Validation.quote(path), version, reason);
        metrics.increment(DiscoveryMetrics.ZNODE_REFUSED, service, REFUSED_DETAIL);
        status.refused(service, path, reason);
    }

    /** Stops the watches (their clients belong to the caller) and the settings thread. Idempotent. */
    @Override
    public void close() {
        List<ZnodeDataWatch> stopping;
        synchronized (this) {
            closed = true;
            stopping = List.copyOf(watches);
            watches.clear();
        }
        stopping.forEach(ZnodeDataWatch::close);
        if (applier instanceof ExecutorService e) {
            e.shutdownNow();
        }
    }
}
