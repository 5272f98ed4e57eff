package dev.smartstack.discovery.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throw-away PKI for TLS tests, made with the JDK's {@code keytool} once per JVM and shared by
 * every test that asks for it ({@link #shared()}): a CA, a {@link #SERVER} certificate for
 * 127.0.0.1 and {@code localhost}, client certificates {@link #CLIENTS} signed by the CA, a
 * {@link #ROGUE} self-signed client certificate that the CA never signed, and a trust store
 * holding the CA. Everything is PKCS12 with EC P-256 keys, valid two days, protected by
 * {@link #PASSWORD}, in a temporary directory removed when the JVM exits.
 *
 * <p>It costs one {@code keytool} launch for the CA, then one per certificate, all at once, each
 * signed in its own copy of the CA's key store ({@code -genkeypair -signer}); the stores are then
 * split and the trust store written in-process with {@link KeyStore}. Tests must not change the
 * files: copy one to alter it.
 *
 * <pre>{@code
 * TestCertificates certs = TestCertificates.shared();
 * ZooKeeperProcess zk = ZooKeeperProcess.withConfig(certs.secureServerConfig(port)).start();
 * ZooKeeperSettings.Tls tls = ZooKeeperSettings.Tls.trustStore(certs.trustStore(), TestCertificates.PASSWORD)
 *         .withKeyStore(certs.keyStore("nerve"), TestCertificates.PASSWORD);
 * }</pre>
 */
public final class TestCertificates {
    /** The password of every store and key. */
    public static final String PASSWORD = "changeit";
    /** The server's certificate: CN=server, SAN 127.0.0.1 and localhost. */
    public static final String SERVER = "server";
    /** Client certificates signed by the CA, one identity each ({@code x509:CN=<name>}). */
    public static final List<String> CLIENTS = List.of("nerve", "synapse", "other");
    /** A self-signed client certificate that no trust store here accepts. */
    public static final String ROGUE = "rogue";

    private static final String CA = "ca";
    private static final long KEYTOOL_TIMEOUT_SECONDS = 120;
    private static TestCertificates shared;

    private final Path dir;

    private TestCertificates(Path dir) {
        this.dir = dir;
    }

    /** The PKI of this JVM, generated on the first call (a second or two), the same afterwards. */
    public static synchronized TestCertificates shared() {
        if (shared == null) {
            shared = generate();
        }
        return shared;
    }

    /** The trust store holding the CA (a trusted certificate entry, alias {@code ca}). */
    public Path trustStore() {
        return dir.resolve("trust.p12");
    }

    /**
     * The key store of {@code name} ({@link #SERVER}, one of {@link #CLIENTS}, or {@link #ROGUE}):
     * its key and certificate chain, alias {@code name}.
     */
    public Path keyStore(String name) {
        if (!name.equals(SERVER) && !name.equals(ROGUE) && !CLIENTS.contains(name)) {
            throw new IllegalArgumentException("no certificate named " + name + ": expected " + SERVER + ", "
                    + ROGUE + " or one of " + CLIENTS);
        }
        return dir.resolve(name + ".p12");
    }

    /**
     * The {@code zoo.cfg} entries for {@link ZooKeeperProcess#withConfig}: a Netty
     * {@code secureClientPort} on 127.0.0.1 with this PKI's server certificate, client
     * certificates required ({@code ssl.clientAuth=need}) and checked against the CA, and the
     * x509 auth provider, so that a client's identity is {@code x509:CN=<name>}. The process keeps
     * its plain client port too. Run the server in its own JVM: ZooKeeper turns {@code ssl.*}
     * keys into JVM-wide system properties, which in-process clients would then pick up.
     */
    public Map<String, String> secureServerConfig(int securePort) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("secureClientPort", Integer.toString(securePort));
        config.put("secureClientPortAddress", "127.0.0.1");
        config.put("serverCnxnFactory", "org.apache.zookeeper.server.NettyServerCnxnFactory");
        config.put("authProvider.x509", "org.apache.zookeeper.server.auth.X509AuthenticationProvider");
        config.put("ssl.clientAuth", "need");
        config.put("ssl.keyStore.location", keyStore(SERVER).toString());
        config.put("ssl.keyStore.password", PASSWORD);
        config.put("ssl.trustStore.location", trustStore().toString());
        config.put("ssl.trustStore.password", PASSWORD);
        return config;
    }

    private static TestCertificates generate() {
        Path dir;
        try {
            dir = Files.createTempDirectory("smartstack-test-pki-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for the test certificates", e);
        }
        Thread cleanup = new Thread(() -> deleteTree(dir), "smartstack-test-pki-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        TestCertificates c = new TestCertificates(dir);
        Path ca = dir.resolve("ca-work.p12");
        c.run(List.of(c.keytool("-genkeypair", "-alias", CA, "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=smartstack-test-ca", "-ext", "bc:c", "-validity", "2",
                "-keystore", ca.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD)));
        List<String> signed = new ArrayList<>();
        signed.add(SERVER);
        signed.addAll(CLIENTS);
        List<List<String>> launches = new ArrayList<>();
        for (String name : signed) {
            Path work = dir.resolve(name + "-work.p12");
            copy(ca, work);
            launches.add(c.keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1",
                    "-dname", "CN=" + name, "-validity", "2", "-signer", CA,
                    "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-keystore", work.toString(), "-storepass", PASSWORD));
        }
        launches.add(c.keytool("-genkeypair", "-alias", ROGUE, "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=" + ROGUE, "-validity", "2", "-keystore", c.keyStore(ROGUE).toString(),
                "-storetype", "PKCS12", "-storepass", PASSWORD));
        c.run(launches);
        try {
            KeyStore trust = emptyStore();
            trust.setCertificateEntry(CA, load(ca).getCertificate(CA));
            store(trust, c.trustStore());
            for (String name : signed) {
                Path work = dir.resolve(name + "-work.p12");
                KeyStore from = load(work);
                KeyStore to = emptyStore();
                to.setKeyEntry(name, (PrivateKey) from.getKey(name, PASSWORD.toCharArray()), PASSWORD.toCharArray(),
                        from.getCertificateChain(name));
                store(to, c.keyStore(name));
                Files.delete(work);
            }
            Files.delete(ca);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot split the test key stores in " + dir, e);
        }
        return c;
    }

    private List<String> keytool(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        // A short-lived tool: the quick JIT tier and the serial collector start it fastest.
        command.addAll(List.of("-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC", "-J-Xshare:auto"));
        command.addAll(List.of(args));
        return command;
    }

    /** Starts every command at once and waits for all of them. */
    private void run(List<List<String>> commands) {
        List<Process> processes = new ArrayList<>();
        try {
            for (int i = 0; i < commands.size(); i++) {
                processes.add(new ProcessBuilder(commands.get(i)).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("keytool.log").toFile())).start());
            }
            for (int i = 0; i < processes.size(); i++) {
                Process p = processes.get(i);
                if (!p.waitFor(KEYTOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("keytool did not finish in " + KEYTOOL_TIMEOUT_SECONDS + " s: "
                            + commands.get(i));
                }
                if (p.exitValue() != 0) {
                    throw new IllegalStateException("keytool failed (" + p.exitValue() + "), see " + dir.resolve("keytool.log")
                            + ": " + commands.get(i));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run keytool", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running keytool", e);
        } finally {
            processes.forEach(Process::destroyForcibly);
        }
    }

    private static KeyStore emptyStore() throws GeneralSecurityException, IOException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        return ks;
    }

    private static KeyStore load(Path file) throws GeneralSecurityException, IOException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, PASSWORD.toCharArray());
        }
        return ks;
    }

    private static void store(KeyStore ks, Path file) throws GeneralSecurityException, IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            ks.store(out, PASSWORD.toCharArray());
        }
    }

    private static void copy(Path from, Path to) {
        try {
            Files.copy(from, to);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + from + " to " + to, e);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // Best effort at exit: a leftover temporary directory is harmless.
        }
    }

    /** The certificate chain of {@code name}'s key store, for tests that inspect it. */
    public List<X509Certificate> chain(String name) {
        try {
            List<X509Certificate> chain = new ArrayList<>();
            for (Certificate c : load(keyStore(name)).getCertificateChain(name)) {
                chain.add((X509Certificate) c);
            }
            return List.copyOf(chain);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot read " + keyStore(name), e);
        }
    }
}
