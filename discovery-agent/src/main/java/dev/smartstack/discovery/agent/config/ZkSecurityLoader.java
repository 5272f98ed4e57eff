package dev.smartstack.discovery.agent.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.smartstack.discovery.core.Validation;
import dev.smartstack.discovery.core.ZooKeeperSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Turns the bound {@code zk_auth} and {@code zk_tls} ({@link ZkSecurityFile}) into a
 * {@link ZkSecurity}: reads each password from the file, the password file or the environment
 * variable, and opens each key and trust store with it, so that a wrong path or password is a
 * config error naming the key, not a client that never connects. No error message holds a
 * password.
 */
final class ZkSecurityLoader {
    /** A password file larger than this is not a password file. */
    static final int MAX_PASSWORD_FILE_BYTES = 64 * 1024;

    private ZkSecurityLoader() {
    }

    /**
     * @param configFile the config file, against whose directory relative paths are resolved
     * @param createsNodes false for Synapse, which creates no nodes: {@code zk_auth.acl} is refused there
     */
    static ZkSecurity load(String shownAs, Path configFile, ZkSecurityFile.Auth auth, ZkSecurityFile.Tls tls,
            Map<String, String> env, boolean createsNodes) {
        if (auth == null && tls == null) {
            return ZkSecurity.NONE;
        }
        Optional<ZkSecurity.Digest> digest = Optional.empty();
        ZkSecurity.Acl acl = ZkSecurity.Acl.OPEN;
        if (auth != null) {
            if (auth.digest() != null && !auth.digest().isNull()) {
                if (!auth.digest().isObject()) {
                    throw new ConfigException(shownAs, "zk_auth.digest", "expected an object {user, password | "
                            + "password_file | password_env} (the value is not shown)");
                }
                ZkSecurityFile.Digest bound = ConfigBinder.bind(auth.digest(), ZkSecurityFile.Digest.class, shownAs,
                        "zk_auth.digest");
                digest = Optional.of(digest(shownAs, configFile, bound, env));
            }
            if (auth.acl() != null) {
                if (!createsNodes) {
                    throw new ConfigException(shownAs, "zk_auth.acl", "only applies to nerve's config: synapse creates no nodes");
                }
                acl = ZkSecurity.Acl.valueOf(auth.acl().toUpperCase(Locale.ROOT));
            }
            if (acl == ZkSecurity.Acl.CREATOR_ALL_WORLD_READ && digest.isEmpty()) {
                throw new ConfigException(shownAs, "zk_auth.acl", "\"creator_all_world_read\" needs zk_auth.digest: the "
                        + "creator's identity is the digest user");
            }
        }
        Optional<ZkSecurity.Tls> tlsConfig = Optional.empty();
        if (tls != null) {
            ZkSecurity.Store trust = store(shownAs, configFile, "zk_tls.trust_store", tls.trustStore(), env, false);
            Optional<ZkSecurity.Store> key = tls.keyStore() == null ? Optional.empty()
                    : Optional.of(store(shownAs, configFile, "zk_tls.key_store", tls.keyStore(), env, true));
            tlsConfig = Optional.of(new ZkSecurity.Tls(trust, key,
                    tls.hostnameVerification() == null || tls.hostnameVerification()));
        }
        return new ZkSecurity(digest, acl, tlsConfig);
    }

    private static ZkSecurity.Digest digest(String shownAs, Path configFile, ZkSecurityFile.Digest d,
            Map<String, String> env) {
        String path = "zk_auth.digest";
        Secret password = secret(shownAs, configFile, path, d.password(), d.passwordFile(), d.passwordEnv(), env)
                .orElseThrow(() -> new ConfigException(shownAs, path, "a password is required: set password_file, "
                        + "password_env or password"));
        if (d.user().isEmpty()) {
            throw new ConfigException(shownAs, path + ".user", "expected a user name but was \"\"");
        }
        try {
            ZooKeeperSettings.builder().digest(d.user(), password.reveal()); // the client's own rule for the user
        } catch (IllegalArgumentException e) {
            throw new ConfigException(shownAs, path + ".user", e.getMessage());
        }
        return new ZkSecurity.Digest(d.user(), password);
    }

    private static ZkSecurity.Store store(String shownAs, Path configFile, String path, ZkSecurityFile.Store s,
            Map<String, String> env, boolean needsKey) {
        Optional<Secret> password = secret(shownAs, configFile, path, s.password(), s.passwordFile(), s.passwordEnv(), env);
        Path file = ConfigFiles.resolve(configFile, s.path());
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        String type = name.endsWith(".p12") ? "PKCS12" : name.endsWith(".jks") ? "JKS" : name.endsWith(".pem") ? "PEM" : null;
        if (type == null) {
            throw new ConfigException(shownAs, path + ".path", "expected a .p12, .jks or .pem file (ZooKeeper's client "
                    + "tells the store type by its extension) but was " + Validation.quote(s.path()));
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new ConfigException(shownAs, path + ".path", "cannot read the file " + Validation.quote(file.toString()));
        }
        if (!type.equals("PEM")) {
            KeyStore ks;
            try (InputStream in = Files.newInputStream(file)) {
                ks = KeyStore.getInstance(type);
                ks.load(in, password.map(p -> p.reveal().toCharArray()).orElse(null));
            } catch (IOException | GeneralSecurityException e) {
                throw new ConfigException(shownAs, path, "cannot open " + Validation.quote(file.toString()) + " as a "
                        + type + " store with the password given (" + firstLine(e) + ")");
            }
            if (needsKey && !hasKey(ks)) {
                throw new ConfigException(shownAs, path, Validation.quote(file.toString())
                        + " holds no private key: a key store needs the client's key and certificate");
            }
        }
        return new ZkSecurity.Store(file, password);
    }

    private static boolean hasKey(KeyStore ks) {
        try {
            for (String alias : Collections.list(ks.aliases())) {
                if (ks.isKeyEntry(alias)) {
                    return true;
                }
            }
            return false;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /**
     * The one password among {@code password}, {@code password_file} and {@code password_env}
     * at {@code path}, or empty when none is set.
     */
    private static Optional<Secret> secret(String shownAs, Path configFile, String path, JsonNode inline,
            String passwordFile, String passwordEnv, Map<String, String> env) {
        List<String> set = new ArrayList<>();
        if (inline != null && !inline.isNull()) {
            set.add("password");
        }
        if (passwordFile != null) {
            set.add("password_file");
        }
        if (passwordEnv != null) {
            set.add("password_env");
        }
        if (set.size() > 1) {
            throw new ConfigException(shownAs, path, String.join(" and ", set) + (set.size() == 2 ? " are both" : " are all")
                    + " set: give only one");
        }
        if (set.isEmpty()) {
            return Optional.empty();
        }
        String value;
        String key = path + "." + set.get(0);
        if (inline != null && !inline.isNull()) {
            if (!inline.isTextual()) {
                throw new ConfigException(shownAs, key, "expected a string (the value is not shown)");
            }
            value = inline.textValue();
        } else if (passwordFile != null) {
            value = readPasswordFile(shownAs, key, ConfigFiles.resolve(configFile, passwordFile));
        } else {
            value = env.get(passwordEnv);
            if (value == null) {
                throw new ConfigException(shownAs, key, "the environment variable " + Validation.quote(passwordEnv)
                        + " is not set");
            }
        }
        if (value.isEmpty()) {
            throw new ConfigException(shownAs, key, "the password is empty");
        }
        if (Validation.hasControlCharacter(value)) {
            throw new ConfigException(shownAs, key, "the password holds a control character (the value is not shown)");
        }
        return Optional.of(new Secret(value));
    }

    /** The file's text without one final line break, as {@code echo secret > file} writes it. */
    private static String readPasswordFile(String shownAs, String key, Path file) {
        try {
            if (Files.isRegularFile(file) && Files.size(file) > MAX_PASSWORD_FILE_BYTES) {
                throw new ConfigException(shownAs, key, Validation.quote(file.toString()) + " is larger than "
                        + MAX_PASSWORD_FILE_BYTES + " bytes: not a password file");
            }
            String text = Files.readString(file);
            if (text.endsWith("\r\n")) {
                return text.substring(0, text.length() - 2);
            }
            return text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        } catch (CharacterCodingException e) {
            throw new ConfigException(shownAs, key, "cannot read " + Validation.quote(file.toString()) + ": it is not UTF-8 text");
        } catch (IOException e) {
            throw new ConfigException(shownAs, key, "cannot read the file " + Validation.quote(file.toString()) + " ("
                    + e.getClass().getSimpleName() + ")");
        }
    }

    private static String firstLine(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.lines().findFirst().orElse("");
    }
}
