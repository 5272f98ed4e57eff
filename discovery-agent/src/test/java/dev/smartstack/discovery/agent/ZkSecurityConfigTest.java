package dev.smartstack.discovery.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smartstack.discovery.agent.config.NerveConfig;
import dev.smartstack.discovery.agent.config.SynapseConfig;
import dev.smartstack.discovery.agent.config.ZkSecurity;
import dev.smartstack.discovery.core.ZooKeeperSettings;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Map;
import org.apache.zookeeper.ZooDefs;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * (ext) {@code zk_auth} and {@code zk_tls} in both config files: what they map onto, and one exact
 * line with exit code 2 for each mistake, never holding a password. The stores here are made
 * in-process (an empty PKCS12 store); connecting with real certificates is {@code ZooKeeperTlsAgentIT}.
 */
class ZkSecurityConfigTest {
    private static final String DIGEST_PASSWORD = "digest-s3cret";
    private static final String STORE_PASSWORD = "store-s3cret";

    @TempDir
    Path dir;
    private Path trust;

    @BeforeEach
    void emptyTrustStore() throws Exception {
        trust = dir.resolve("trust.p12");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        try (OutputStream out = Files.newOutputStream(trust)) {
            ks.store(out, STORE_PASSWORD.toCharArray());
        }
        Files.writeString(dir.resolve("digest.pass"), DIGEST_PASSWORD + "\n");
    }

    private static String nerve(String ext) {
        return """
                {"instance_id": "i1", %s
                 "services": {"web": {"host": "127.0.0.1", "port": 8080, "zk_hosts": ["127.0.0.1:2181"],
                   "zk_path": "/nerve/services/web/services", "checks": [{"type": "noop"}]}}}
                """.formatted(ext);
    }

    private static String synapse(String ext) {
        return """
                {%s "file_output": {"output_directory": "/tmp/synapse-out"},
                 "services": {"web": {"discovery": {"method": "zookeeper", "path": "/nerve/services/web/services",
                   "hosts": ["127.0.0.1:2181"]}}}}
                """.formatted(ext);
    }

    private Path write(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content);
        return file;
    }

    /** The one error line of {@code --check-config}, with the directory shown as {@code DIR}. */
    private String error(String tool, String content, Map<String, String> env) throws IOException {
        Path file = write(tool + ".conf.json", content);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(env, new PrintWriter(out, true), new PrintWriter(err, true), tool, "--config", file.toString(),
                "--check-config");
        assertThat(code).as(err.toString()).isEqualTo(2);
        assertThat(out.toString()).isEmpty();
        assertThat(err.toString().lines().count()).as(err.toString()).isEqualTo(1);
        assertThat(err.toString()).doesNotContain(DIGEST_PASSWORD).doesNotContain(STORE_PASSWORD).doesNotContain("\tat ");
        return err.toString().strip().replace(dir.toString(), "DIR");
    }

    private String nerveError(String ext) throws IOException {
        return error("nerve", nerve(ext), Map.of());
    }

    @Test
    void load_digestFromFileAclAndTlsFromEnvironment_mapOntoTheSettingsAndNeverShowAPassword() throws Exception {
        Path file = write("nerve.conf.json", nerve("""
                "zk_auth": {"digest": {"user": "nerve-web", "password_file": "digest.pass"}, "acl": "creator_all_world_read"},
                "zk_tls": {"trust_store": {"path": "trust.p12", "password_env": "ZK_TRUST_PASSWORD"},
                           "hostname_verification": false},"""));
        NerveConfig config = NerveConfig.load(file, "nerve.conf.json", null, Map.of("ZK_TRUST_PASSWORD", STORE_PASSWORD));

        ZkSecurity zk = config.zkSecurity();
        assertThat(zk.digest().orElseThrow().user()).isEqualTo("nerve-web");
        assertThat(zk.digest().orElseThrow().password().reveal()).isEqualTo(DIGEST_PASSWORD); // the final newline dropped
        assertThat(zk.acl()).isEqualTo(ZkSecurity.Acl.CREATOR_ALL_WORLD_READ);
        assertThat(zk.tls().orElseThrow().trustStore().path()).isEqualTo(trust);
        assertThat(zk.tls().orElseThrow().trustStore().password().orElseThrow().reveal()).isEqualTo(STORE_PASSWORD);
        assertThat(zk.tls().orElseThrow().keyStore()).isEmpty();
        assertThat(zk.tls().orElseThrow().hostnameVerification()).isFalse();
        assertThat(config.toString()).contains("nerve-web").doesNotContain(DIGEST_PASSWORD).doesNotContain(STORE_PASSWORD);

        ZooKeeperSettings settings = zk.applyTo(ZooKeeperSettings.builder().connectString("127.0.0.1:2181")).build();
        assertThat(settings.toString()).contains("auth").contains("tls");
        assertThat(settings.acl()).extracting(a -> a.getId().getScheme() + ":" + a.getPerms())
                .containsExactly("auth:" + ZooDefs.Perms.ALL, "world:" + ZooDefs.Perms.READ);
    }

    @Test
    void load_noZkKeys_isRubysOpenPlainTextAndSynapseTakesTheSameKeys() throws Exception {
        assertThat(NerveConfig.load(write("nerve.conf.json", nerve("")), "nerve.conf.json", null, Map.of()).zkSecurity())
                .isEqualTo(ZkSecurity.NONE);
        SynapseConfig synapse = SynapseConfig.load(write("synapse.conf.json", synapse("""
                "zk_auth": {"digest": {"user": "synapse", "password": "%s"}},
                "zk_tls": {"trust_store": {"path": "%s", "password": "%s"}},""".formatted(DIGEST_PASSWORD, trust, STORE_PASSWORD))),
                "synapse.conf.json", Map.of());
        assertThat(synapse.zkSecurity().digest().orElseThrow().user()).isEqualTo("synapse");
        assertThat(synapse.zkSecurity().acl()).isEqualTo(ZkSecurity.Acl.OPEN);
        assertThat(synapse.zkSecurity().tls().orElseThrow().hostnameVerification()).isTrue();
        assertThat(synapse.toString()).doesNotContain(DIGEST_PASSWORD).doesNotContain(STORE_PASSWORD);
    }

    @Test
    void checkConfig_passwordSources_eachMistakeIsOneLineNamingTheKey() throws Exception {
        assertThat(nerveError("""
                "zk_auth": {"digest": {"user": "u", "password_file": "missing.pass"}},"""))
                .isEqualTo("smartstack: DIR/nerve.conf.json: zk_auth.digest.password_file: cannot read the file "
                        + "\"DIR/missing.pass\" (NoSuchFileException)");
        assertThat(nerveError("""
                "zk_auth": {"digest": {"user": "u", "password": "%s", "password_file": "digest.pass"}},"""
                .formatted(DIGEST_PASSWORD)))
                .isEqualTo("smartstack: DIR/nerve.conf.json: zk_auth.digest: password and password_file are both set: "
                        + "give only one");
        assertThat(nerveError("""
                "zk_auth": {"digest": {"user": "u"}},"""))
                .isEqualTo("smartstack: DIR/nerve.conf.json: zk_auth.digest: a password is required: set password_file, "
                        + "password_env or password");
        assertThat(nerveError("""
                "zk_auth": {"digest": {"user": "u", "password_env": "ZK_DIGEST_PASSWORD"}},"""))
                .isEqualTo("smartstack: DIR/nerve.conf.json: zk_auth.digest.password_env: the environment variable "
                        + "\"ZK_DIGEST_PASSWORD\" is not set");
        assertThat(nerveError("""
                "zk_auth": {"digest": {"user": "u", "password": 12345678}},"""))
                .isEqualTo("smartstack: DIR/nerve.conf.json: zk_auth.digest.password: expected a string (the value is "
                        + "not shown)").doesNotContain("12345678");
        assertThat(nerveError("""
                "zk_auth": {"digest": "nerve:%s"},""".formatted(DIGEST_PASSWORD)))
                .isEqualTo("smartstack: DIR/nerve.conf.json: zk_auth.digest: expected an object {user, password | "
                        + "password_file | password_env} (the value is not shown)");
        assertThat(nerveError("""
                "zk_auth": {"digest": {"user": "u", "pasword": "%s"}},""".formatted(DIGEST_PASSWORD)))
                .isEqualTo("smartstack: DIR/nerve.conf.json: zk_auth.digest.pasword: unknown key; supported keys here "
                        + "are password, password_env, password_file, user");
        assertThat(nerveError("""
                "zk_auth": {"digest": {"user": "u", "password": %s}},""".formatted(DIGEST_PASSWORD)))
                .startsWith("smartstack: DIR/nerve.conf.json: line 1, column ")
                .endsWith(": invalid JSON: Unrecognized token (not shown; a string needs quotes): was expecting (JSON "
                        + "String, Number, Array, Object or token 'null', 'true' or 'false')");
        assertThat(nerveError("""
                "zk_auth": {"digest": {"user": "a:b", "password": "%s"}},""".formatted(DIGEST_PASSWORD)))
                .isEqualTo("smartstack: DIR/nerve.conf.json: zk_auth.digest.user: digest user must not contain ':' but "
                        + "was \"a:b\"");
        assertThat(nerveError("""
                "zk_auth": {"acl": "creator_all_world_read"},"""))
                .isEqualTo("smartstack: DIR/nerve.conf.json: zk_auth.acl: \"creator_all_world_read\" needs "
                        + "zk_auth.digest: the creator's identity is the digest user");
        assertThat(error("synapse", synapse("""
                "zk_auth": {"digest": {"user": "u", "password_file": "digest.pass"}, "acl": "creator_all_world_read"},"""),
                Map.of()))
                .isEqualTo("smartstack: DIR/synapse.conf.json: zk_auth.acl: only applies to nerve's config: synapse "
                        + "creates no nodes");
    }

    @Test
    void checkConfig_stores_wrongPasswordUnreadableOrKeylessIsOneLineNamingTheKey() throws Exception {
        assertThat(nerveError("""
                "zk_tls": {"trust_store": {"path": "trust.p12", "password": "wrong-%s"}},""".formatted(STORE_PASSWORD)))
                .startsWith("smartstack: DIR/nerve.conf.json: zk_tls.trust_store: cannot open \"DIR/trust.p12\" as a "
                        + "PKCS12 store with the password given (");
        Files.write(dir.resolve("garbage.p12"), new byte[] {1, 2, 3, 4});
        assertThat(nerveError("""
                "zk_tls": {"trust_store": {"path": "trust.p12", "password": "%s"},
                           "key_store": {"path": "garbage.p12", "password": "%s"}},""".formatted(STORE_PASSWORD, STORE_PASSWORD)))
                .startsWith("smartstack: DIR/nerve.conf.json: zk_tls.key_store: cannot open \"DIR/garbage.p12\" as a "
                        + "PKCS12 store with the password given (");
        assertThat(nerveError("""
                "zk_tls": {"trust_store": {"path": "trust.p12", "password": "%s"},
                           "key_store": {"path": "trust.p12", "password": "%s"}},""".formatted(STORE_PASSWORD, STORE_PASSWORD)))
                .isEqualTo("smartstack: DIR/nerve.conf.json: zk_tls.key_store: \"DIR/trust.p12\" holds no private key: "
                        + "a key store needs the client's key and certificate");
        assertThat(nerveError("""
                "zk_tls": {"trust_store": {"path": "absent.jks"}},"""))
                .isEqualTo("smartstack: DIR/nerve.conf.json: zk_tls.trust_store.path: cannot read the file \"DIR/absent.jks\"");
        assertThat(nerveError("""
                "zk_tls": {"trust_store": {"path": "trust.pfx"}},"""))
                .isEqualTo("smartstack: DIR/nerve.conf.json: zk_tls.trust_store.path: expected a .p12, .jks or .pem file "
                        + "(ZooKeeper's client tells the store type by its extension) but was \"trust.pfx\"");
        assertThat(nerveError("""
                "zk_tls": {"key_store": {"path": "trust.p12"}},"""))
                .isEqualTo("smartstack: DIR/nerve.conf.json: zk_tls.trust_store: required key is missing");
    }
}
