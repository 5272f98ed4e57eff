package dev.smartstack.discovery.agent;

import dev.smartstack.discovery.agent.config.ConfigException;
import dev.smartstack.discovery.agent.config.NerveConfig;
import dev.smartstack.discovery.agent.config.SynapseConfig;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code smartstack nerve --config FILE [--check-config|-k] [-i|--instance_id INSTANCE_ID]} and
 * {@code smartstack synapse --config FILE [--check-config|-k]}. Both re-read their config file on SIGHUP.
 * As in Ruby, {@code NERVE_CONFIG} and {@code SYNAPSE_CONFIG} name the file when {@code --config}
 * is not given, {@code NERVE_INSTANCE_ID} overrides {@code instance_id}, and a set
 * {@code NERVE_CHECK_CONFIG} means {@code --check-config}.
 *
 * <p>Exit codes: 0 after a clean stop or a valid {@code --check-config}; 2 for a bad command line
 * or a bad config file (one line on stderr naming the file and the key); 1 for anything else.
 */
@Command(name = "smartstack", mixinStandardHelpOptions = true, version = "smartstack 0.1.0",
        description = "SmartStack for the JVM: Nerve and Synapse from Airbnb's config files.",
        subcommands = {Main.NerveCommand.class, Main.SynapseCommand.class})
public final class Main implements Callable<Integer> {
    /** Exit code for a bad command line or config file. */
    public static final int EXIT_CONFIG = 2;

    @Spec
    CommandLine.Model.CommandSpec spec;

    private final Map<String, String> env;

    private Main(Map<String, String> env) {
        this.env = env;
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        System.exit(run(System.getenv(), out, err, args));
    }

    /** Runs a command in-process and returns its exit code; never calls {@code System.exit}. */
    public static int run(Map<String, String> env, PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Main(env));
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            err.println("smartstack: " + oneLine(e));
            return 1;
        });
        return cl.execute(args);
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getName() : e.getClass().getSimpleName() + ": " + e.getMessage();
        return m.lines().findFirst().orElse(m);
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return EXIT_CONFIG;
    }

    /** Loads a config file, printing the one-line error; shared by the subcommands. */
    static <T> T load(PrintWriter err, Callable<T> loader) throws ConfigFailure {
        try {
            return loader.call();
        } catch (ConfigException e) {
            err.println("smartstack: " + e.getMessage());
            throw new ConfigFailure();
        } catch (Exception e) {
            err.println("smartstack: " + oneLine(e));
            throw new ConfigFailure();
        }
    }

    /** {@code --config}, else the environment variable {@code variable}; null (and a line on {@code err}) if neither. */
    static Path configFile(Path flag, Map<String, String> env, String variable, PrintWriter err) {
        if (flag != null) {
            return flag;
        }
        String fromEnv = env.get(variable);
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return Path.of(fromEnv);
        }
        err.println("Missing required option: '--config=FILE' (or the " + variable + " environment variable)");
        return null;
    }

    /** The config was refused and the message printed. */
    static final class ConfigFailure extends Exception {
        private static final long serialVersionUID = 1L;

        ConfigFailure() {
            super(null, null, false, false);
        }
    }

    @Command(name = "nerve", mixinStandardHelpOptions = true,
            description = "Health-check services and register them in ZooKeeper (Airbnb nerve.conf.json or YAML).")
    static final class NerveCommand implements Callable<Integer> {
        @ParentCommand
        Main main;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = {"-c", "--config"}, paramLabel = "FILE",
                description = "nerve.conf.json or .yaml (default: the NERVE_CONFIG environment variable)")
        Path config;

        @Option(names = {"-k", "--check-config"},
                description = "Validate the config file and exit (also when NERVE_CHECK_CONFIG is set, as in Ruby).")
        boolean checkConfig;

        @Option(names = {"-i", "--instance_id", "--instance-id"}, paramLabel = "INSTANCE_ID",
                description = "Overrides instance_id (as does the NERVE_INSTANCE_ID environment variable).")
        String instanceId;

        @Override
        public Integer call() throws InterruptedException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Path file = configFile(config, main.env, "NERVE_CONFIG", err);
            if (file == null) {
                return EXIT_CONFIG;
            }
            String shownAs = file.toString();
            // As Ruby: an empty -i or NERVE_INSTANCE_ID does not override; NERVE_CHECK_CONFIG counts when set at all.
            String override = instanceId != null && !instanceId.isEmpty() ? instanceId
                    : main.env.get("NERVE_INSTANCE_ID") != null && !main.env.get("NERVE_INSTANCE_ID").isEmpty()
                    ? main.env.get("NERVE_INSTANCE_ID") : null;
            boolean check = checkConfig || main.env.containsKey("NERVE_CHECK_CONFIG");
            NerveAgent agent;
            try {
                agent = load(err, () -> NerveAgent.plan(NerveConfig.load(file, shownAs, override, main.env), shownAs));
            } catch (ConfigFailure e) {
                return EXIT_CONFIG;
            }
            NerveConfig c = agent.config();
            if (check) {
                out.println("smartstack: " + shownAs + ": OK: instance_id " + c.instanceId() + ", "
                        + c.services().size() + " service(s)" + (c.services().isEmpty() ? "" : ": "
                        + String.join(", ", c.services().keySet())));
                return 0;
            }
            Daemon<NerveAgent, NerveConfig> daemon = new Daemon<>("nerve",
                    () -> NerveAgent.plan(NerveConfig.load(file, shownAs, override, main.env), shownAs),
                    NerveAgent::config, NerveAgent::start, NerveAgent::reconfigure);
            daemon.start(agent);
            daemon.awaitStopped();
            return 0;
        }
    }

    @Command(name = "synapse", mixinStandardHelpOptions = true,
            description = "Watch ZooKeeper and write HAProxy's config and/or JSON files (Airbnb synapse.conf.json or YAML).")
    static final class SynapseCommand implements Callable<Integer> {
        @ParentCommand
        Main main;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = {"-c", "--config"}, paramLabel = "FILE",
                description = "synapse.conf.json or .yaml (default: the SYNAPSE_CONFIG environment variable)")
        Path config;

        @Option(names = {"-k", "--check-config"}, description = "Validate the config file and exit.")
        boolean checkConfig;

        @Override
        public Integer call() throws InterruptedException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Path file = configFile(config, main.env, "SYNAPSE_CONFIG", err);
            if (file == null) {
                return EXIT_CONFIG;
            }
            String shownAs = file.toString();
            SynapseAgent agent;
            try {
                agent = load(err, () -> SynapseAgent.plan(SynapseConfig.load(file, shownAs, main.env), shownAs));
            } catch (ConfigFailure e) {
                return EXIT_CONFIG;
            }
            if (checkConfig) {
                out.println("smartstack: " + shownAs + ": OK: " + summary(agent.config()));
                return 0;
            }
            Daemon<SynapseAgent, SynapseConfig> daemon = new Daemon<>("synapse",
                    () -> SynapseAgent.plan(SynapseConfig.load(file, shownAs, main.env), shownAs),
                    SynapseAgent::config, SynapseAgent::start, SynapseAgent::reconfigure);
            daemon.start(agent);
            daemon.awaitStopped();
            return 0;
        }

        static String summary(SynapseConfig c) {
            return c.services().size() + " service(s)" + (c.services().isEmpty() ? "" : ": "
                    + String.join(", ", c.services().keySet())) + "; generators: " + String.join(", ", c.generators());
        }
    }
}
