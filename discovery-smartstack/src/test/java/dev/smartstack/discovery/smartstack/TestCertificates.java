package dev.smartstack.discovery.smartstack;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away PKI made with the JDK's {@code keytool}: a CA, a server certificate for 127.0.0.1
 * and client certificates signed by the CA (PKCS12, EC P-256, valid two days), one trust store
 * holding the CA, and a "rogue" self-signed client certificate that the CA never signed.
 */
final class TestCertificates {
    static final String PASSWORD = "changeit";

    private final Path dir;

    private TestCertificates(Path dir) {
        this.dir = dir;
    }

    /** Generates the CA, the server, clients {@code clientNames}, and the rogue client in {@code dir}. */
    static TestCertificates generate(Path dir, String... clientNames) {
        TestCertificates c = new TestCertificates(dir);
        c.keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=smartstack-test-ca", "-ext", "bc:c", "-validity", "2",
                "-keystore", c.path("ca").toString(), "-storetype", "PKCS12", "-storepass", PASSWORD);
        c.keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", c.path("ca").toString(), "-storepass", PASSWORD,
                "-file", dir.resolve("ca.pem").toString());
        c.keytool("-importcert", "-noprompt", "-alias", "ca", "-file", dir.resolve("ca.pem").toString(),
                "-keystore", c.trustStore().toString(), "-storetype", "PKCS12", "-storepass", PASSWORD);
        c.signed("server");
        for (String name : clientNames) {
            c.signed(name);
        }
        c.keytool("-genkeypair", "-alias", "rogue", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=rogue", "-validity", "2",
                "-keystore", c.keyStore("rogue").toString(), "-storetype", "PKCS12", "-storepass", PASSWORD);
        return c;
    }

    /** The trust store holding the CA. */
    Path trustStore() {
        return dir.resolve("trust.p12");
    }

    /** The key store of {@code name}: its key and its certificate chain. */
    Path keyStore(String name) {
        return path(name);
    }

    private Path path(String name) {
        return dir.resolve(name + ".p12");
    }

    private void signed(String name) {
        String store = path(name).toString();
        String csr = dir.resolve(name + ".csr").toString();
        String pem = dir.resolve(name + ".pem").toString();
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
                "-validity", "2", "-keystore", store, "-storetype", "PKCS12", "-storepass", PASSWORD);
        keytool("-certreq", "-alias", name, "-keystore", store, "-storepass", PASSWORD, "-file", csr);
        keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", path("ca").toString(), "-storepass", PASSWORD,
                "-infile", csr, "-outfile", pem, "-validity", "2", "-ext", "SAN=ip:127.0.0.1,dns:localhost");
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", dir.resolve("ca.pem").toString(),
                "-keystore", store, "-storepass", PASSWORD);
        keytool("-importcert", "-alias", name, "-file", pem, "-keystore", store, "-storepass", PASSWORD);
    }

    private void keytool(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("keytool.log").toFile())).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("keytool did not finish: " + command);
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("keytool failed (" + p.exitValue() + "): " + command);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run keytool: " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running keytool", e);
        }
    }
}
