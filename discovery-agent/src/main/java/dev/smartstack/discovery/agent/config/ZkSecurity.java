package dev.smartstack.discovery.agent.config;

import dev.smartstack.discovery.core.ZooKeeperSettings;
import java.nio.file.Path;
import java.util.Optional;

/**
 * (ext) How the agent authenticates to ZooKeeper, which ACL the nodes it creates get, and TLS:
 * {@code zk_auth} and {@code zk_tls} of either config file, applied to every ZooKeeper connection
 * the agent opens. The passwords are {@link Secret}s, so this record's {@code toString()} shows
 * none of them.
 *
 * @param digest {@code zk_auth.digest}: digest authentication; default none
 * @param acl {@code zk_auth.acl}: default {@link Acl#OPEN}
 * @param tls {@code zk_tls}: default none (plain text)
 */
public record ZkSecurity(Optional<Digest> digest, Acl acl, Optional<Tls> tls) {

    /** No authentication, the open ACL, plain text: Ruby Nerve and Synapse's only way. */
    public static final ZkSecurity NONE = new ZkSecurity(Optional.empty(), Acl.OPEN, Optional.empty());

    /** {@code zk_auth.acl}: the ACL of the nodes Nerve creates (its registrations and their missing parents). */
    public enum Acl {
        /** {@code open}: ZooKeeper's open ACL, as Ruby Nerve's nodes have. */
        OPEN,
        /** {@code creator_all_world_read}: all rights to the registering identity, read to everyone. */
        CREATOR_ALL_WORLD_READ
    }

    /**
     * {@code zk_auth.digest}.
     *
     * @param user {@code user}: required, no {@code ':'}
     * @param password from {@code password}, {@code password_file} or {@code password_env}: required
     */
    public record Digest(String user, Secret password) {
    }

    /**
     * A key or trust store.
     *
     * @param path {@code path}: a {@code .p12}, {@code .jks} or {@code .pem} file, relative to the config file
     * @param password from {@code password}, {@code password_file} or {@code password_env}: default none
     */
    public record Store(Path path, Optional<Secret> password) {
    }

    /**
     * {@code zk_tls}.
     *
     * @param trustStore {@code trust_store}: required, the certificates that sign the servers'
     * @param keyStore {@code key_store}: the client certificate for mutual TLS; default none
     * @param hostnameVerification {@code hostname_verification}: default true
     */
    public record Tls(Store trustStore, Optional<Store> keyStore, boolean hostnameVerification) {
    }

    /** Adds the authentication, the ACL and TLS to {@code zk}, and returns it. */
    public ZooKeeperSettings.Builder applyTo(ZooKeeperSettings.Builder zk) {
        digest.ifPresent(d -> zk.digest(d.user(), d.password().reveal()));
        if (acl == Acl.CREATOR_ALL_WORLD_READ) {
            zk.creatorAllWorldRead();
        }
        tls.ifPresent(t -> {
            ZooKeeperSettings.Tls settings = ZooKeeperSettings.Tls.trustStore(t.trustStore().path(), password(t.trustStore()))
                    .withHostnameVerification(t.hostnameVerification());
            if (t.keyStore().isPresent()) {
                settings = settings.withKeyStore(t.keyStore().get().path(), password(t.keyStore().get()));
            }
            zk.tls(settings);
        });
        return zk;
    }

    private static String password(Store store) {
        return store.password().map(Secret::reveal).orElse(null);
    }
}
