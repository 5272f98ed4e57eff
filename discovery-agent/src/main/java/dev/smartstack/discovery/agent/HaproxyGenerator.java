package dev.smartstack.discovery.agent;

import dev.smartstack.discovery.agent.config.ConfigException;
import dev.smartstack.discovery.agent.config.SynapseConfig;
import dev.smartstack.discovery.core.DiscoveryMetrics;
import dev.smartstack.discovery.haproxy.HaproxyListener;
import dev.smartstack.discovery.haproxy.HaproxyOutput;
import dev.smartstack.discovery.haproxy.HaproxyOutputBuilder;
import dev.smartstack.discovery.haproxy.HaproxyReload;
import dev.smartstack.discovery.haproxy.HaproxyService;
import java.util.Locale;

/**
 * Builds the {@code haproxy} generator, an {@link HaproxyOutput}, from the config's global
 * {@code haproxy} section and each service's {@code haproxy} section. A service without a
 * {@code haproxy} section gets a backend and no frontend, as in Ruby Synapse (traffic reaches it
 * through {@code shared_frontend} or {@code extra_sections}).
 */
final class HaproxyGenerator {
    private HaproxyGenerator() {
    }

    /**
     * The HAProxy output for {@code config}; does no I/O.
     *
     * @throws ConfigException when HaproxyOutput refuses a value, naming the key
     */
    static HaproxyOutput output(SynapseConfig config, String shownAs, DiscoveryMetrics metrics, HaproxyListener listener) {
        SynapseConfig.Haproxy h = config.haproxy().orElseThrow();
        HaproxyOutputBuilder b = HaproxyOutput.builder().metrics(metrics).listener(listener);
        try {
            b.global(h.global()).defaults(h.defaults())
                    .doWrites(h.doWrites()).doSocket(h.doSocket()).reload(reload(h))
                    .restartInterval(h.restartInterval()).restartJitter(h.restartJitter())
                    .bindAddress(h.bindAddress()).useNerveWeights(h.useNerveWeights()).maxServerId(h.maxServerId())
                    .haproxyPath(h.haproxyPath()).drainTimeout(h.drainTimeout());
            h.extraSections().forEach(b::extraSection);
            h.configFilePath().ifPresent(b::configFilePath);
            b.socketFilePaths(h.socketFilePaths());
            b.sharedFrontend(h.sharedFrontend().orElse(null)).serverOrderSeed(h.serverOrderSeed().orElse(null));
            h.candidateConfigFilePath().ifPresent(b::candidateConfigFilePath);
            if (h.doChecks()) { // as in Ruby, check_command runs only with do_checks; haproxy -c runs otherwise
                b.checkCommand(h.checkCommand().orElseThrow());
            }
        } catch (IllegalArgumentException e) {
            throw new ConfigException(shownAs, "haproxy", e.getMessage());
        }
        for (SynapseConfig.Service s : config.services().values()) {
            try {
                b.service(s.name(), s.haproxy().map(HaproxyGenerator::service).orElseGet(() -> HaproxyService.builder().build()));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(shownAs, "services." + s.name() + ".haproxy", e.getMessage());
            }
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(shownAs, "haproxy", e.getMessage());
        }
    }

    /** {@code manage_process}, {@code do_reloads} and {@code reload_command} as one choice. */
    static HaproxyReload reload(SynapseConfig.Haproxy h) {
        if (h.manageProcess()) {
            return HaproxyReload.managed();
        }
        if (!h.doReloads()) {
            return HaproxyReload.none();
        }
        return HaproxyReload.commandLine(h.reloadCommand().orElseThrow());
    }

    /**
     * One service's {@code haproxy} section as HaproxyOutput takes it.
     *
     * @throws IllegalArgumentException when HaproxyService refuses a value
     */
    static HaproxyService service(SynapseConfig.ServiceHaproxy sh) {
        HaproxyService.Builder sb = HaproxyService.builder()
                .port(sh.port().orElse(null))
                .bindWithoutPort(sh.bindWithoutPort())
                .sharedFrontend(sh.sharedFrontend())
                .useNerveWeights(sh.useNerveWeights().orElse(null))
                .bindAddress(sh.bindAddress().orElse(null))
                .bindOptions(sh.bindOptions().orElse(null))
                .serverOptions(sh.serverOptions().orElse(null))
                .listen(sh.listen()).frontend(sh.frontend()).backend(sh.backend())
                .backendName(sh.backendName().orElse(null))
                .cookieValueMethod(HaproxyService.CookieValueMethod.valueOf(sh.cookieValueMethod().toUpperCase(Locale.ROOT)))
                .disabled(sh.disabled());
        sh.backendOrder().ifPresent(o -> sb.backendOrder(HaproxyService.BackendOrder.valueOf(o.toUpperCase(Locale.ROOT))));
        return sb.build();
    }
}
