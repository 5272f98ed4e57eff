package dev.smartstack.discovery.core;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.apache.curator.RetryPolicy;
import org.apache.curator.framework.AuthInfo;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.data.ACL;

/**
 * How to reach one ZooKeeper cluster. {@link #newClient()} builds an unstarted
 * {@link CuratorFramework}; one client per cluster can be shared by any number of reporters and
 * watchers.
 *
 * <pre>{@code
 * ZooKeeperSettings zk = ZooKeeperSettings.builder()
 *         .connectString("127.0.0.1:2181,127.0.0.1:2182/smartstack")
 *         .sessionTimeout(Duration.ofSeconds(10))
 *         .build();
 * }</pre>
 */
public final class ZooKeeperSettings {
    /** Default session timeout: a crashed instance disappears within about this long. */
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(10);
    /** Default connection timeout. */
    public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(5);
    /** ZooKeeper takes its timeouts as an {@code int} of milliseconds. */
    private static final Duration MAX_TIMEOUT = Duration.ofMillis(Integer.MAX_VALUE);

    private final String connectString;
    private final Duration sessionTimeout;
    private final Duration connectionTimeout;
    private final RetryPolicy retryPolicy;
    private final List<AuthInfo> authInfos;
    private final List<ACL> acl;
    private final Tls tls;

    private ZooKeeperSettings(Builder b) {
        this.connectString = b.connectString;
        this.sessionTimeout = b.sessionTimeout;
        this.connectionTimeout = b.connectionTimeout;
        this.retryPolicy = b.retryPolicy;
        this.authInfos = List.copyOf(b.authInfos);
        // Not List.copyOf: ZooKeeper.create() calls acl.contains(null), which an immutable List.of throws on.
        this.acl = b.acl == null ? null : Collections.unmodifiableList(new ArrayList<>(b.acl));
        this.tls = b.tls;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Settings with defaults for everything but the connect string. */
    public static ZooKeeperSettings of(String connectString) {
        return builder().connectString(connectString).build();
    }

    public String connectString() {
        return connectString;
    }

    public Duration sessionTimeout() {
        return sessionTimeout;
    }

    public Duration connectionTimeout() {
        return connectionTimeout;
    }

    public RetryPolicy retryPolicy() {
        return retryPolicy;
    }

    /** The ACL given to the nodes we create, or empty for ZooKeeper's open ACL. */
    public List<ACL> acl() {
        return acl == null ? Collections.emptyList() : acl;
    }

    /** A new, unstarted client. The caller starts and closes it. */
    public CuratorFramework newClient() {
        CuratorFrameworkFactory.Builder b = CuratorFrameworkFactory.builder()
                .connectString(connectString)
                .sessionTimeoutMs(Math.toIntExact(sessionTimeout.toMillis()))
                .connectionTimeoutMs(Math.toIntExact(connectionTimeout.toMillis()))
                .retryPolicy(retryPolicy);
        if (!authInfos.isEmpty()) {
            b.authorization(authInfos);
        }
        if (acl != null) {
            // The field is an unmodifiable view of an ArrayList, which answers contains(null) as
            // ZooKeeper.validateACL asks (a List.copyOf list throws instead).
            List<ACL> fixed = acl;
            b.aclProvider(new ACLProvider() {
                @Override
                public List<ACL> getDefaultAcl() {
                    return fixed;
                }

                @Override
                public List<ACL> getAclForPath(String path) {
                    return fixed;
                }
            });
        }
        if (tls != null) {
            b.zkClientConfig(tls.clientConfig());
        }
        return b.build();
    }

    @Override
    public String toString() {
        return "ZooKeeperSettings{" + connectString + ", session " + sessionTimeout.toMillis() + " ms"
                + (authInfos.isEmpty() ? "" : ", auth") + (tls == null ? "" : ", tls") + "}";
    }

    /** Builds {@link ZooKeeperSettings}. */
    public static final class Builder {
        private String connectString;
        private Duration sessionTimeout = DEFAULT_SESSION_TIMEOUT;
        private Duration connectionTimeout = DEFAULT_CONNECTION_TIMEOUT;
        private RetryPolicy retryPolicy = new ExponentialBackoffRetry(100, 10, 2_000);
        private final List<AuthInfo> authInfos = new ArrayList<>();
        private List<ACL> acl;
        private Tls tls;

        private Builder() {
        }

        /** Required: {@code host:port[,host:port...][/chroot]}. */
        public Builder connectString(String connectString) {
            this.connectString = connectString;
            return this;
        }

        /** Default 10 s. */
        public Builder sessionTimeout(Duration sessionTimeout) {
            this.sessionTimeout = Objects.requireNonNull(sessionTimeout, "sessionTimeout == null");
            return this;
        }

        /** Default 5 s. */
        public Builder connectionTimeout(Duration connectionTimeout) {
            this.connectionTimeout = Objects.requireNonNull(connectionTimeout, "connectionTimeout == null");
            return this;
        }

        /** Default: exponential back-off from 100 ms to 2 s, 10 retries per operation. */
        public Builder retryPolicy(RetryPolicy retryPolicy) {
            this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy == null");
            return this;
        }

        /** Adds {@code digest} authentication as {@code user:password}; {@code user} must not contain {@code ':'}. */
        public Builder digest(String user, String password) {
            Objects.requireNonNull(user, "user == null");
            Objects.requireNonNull(password, "password == null");
            if (user.indexOf(':') >= 0) {
                // ZooKeeper splits "user:password" at the first ':', so "a:b"/"c" would be user "a" with password "b:c".
                throw new IllegalArgumentException("digest user must not contain ':' but was " + Validation.quote(user));
            }
            return authorization("digest", (user + ":" + password).getBytes(StandardCharsets.UTF_8));
        }

        /** Adds authentication with any ZooKeeper scheme. */
        public Builder authorization(String scheme, byte[] auth) {
            authInfos.add(new AuthInfo(Objects.requireNonNull(scheme, "scheme == null"),
                    Objects.requireNonNull(auth, "auth == null").clone()));
            return this;
        }

        /**
         * The ACL for the nodes we create. Default: ZooKeeper's open ACL. With digest
         * authentication, {@link #creatorAllWorldRead()} is the usual choice: only this identity
         * may change or delete its registrations, everyone may read them.
         */
        public Builder acl(List<ACL> acl) {
            this.acl = List.copyOf(Objects.requireNonNull(acl, "acl == null"));
            return this;
        }

        /** ACL: all rights to the creator's authenticated identity, read to everyone. */
        public Builder creatorAllWorldRead() {
            List<ACL> list = new ArrayList<>(ZooDefs.Ids.CREATOR_ALL_ACL);
            list.addAll(ZooDefs.Ids.READ_ACL_UNSAFE);
            return acl(list);
        }

        /** Connect over TLS (ZooKeeper's secure client port). */
        public Builder tls(Tls tls) {
            this.tls = Objects.requireNonNull(tls, "tls == null");
            return this;
        }

        /** Checks the settings; does no I/O. */
        public ZooKeeperSettings build() {
            if (connectString == null || connectString.isBlank()) {
                throw new IllegalArgumentException("connectString is required");
            }
            if (Validation.hasControlCharacter(connectString) || connectString.contains(" ")) {
                throw new IllegalArgumentException("connectString must be host:port[,host:port...][/chroot] but was "
                        + Validation.quote(connectString));
            }
            if (sessionTimeout.isNegative() || sessionTimeout.isZero()) {
                throw new IllegalArgumentException("sessionTimeout must be positive but was " + sessionTimeout);
            }
            if (connectionTimeout.isNegative() || connectionTimeout.isZero()) {
                throw new IllegalArgumentException("connectionTimeout must be positive but was " + connectionTimeout);
            }
            if (sessionTimeout.compareTo(MAX_TIMEOUT) > 0) {
                throw new IllegalArgumentException("sessionTimeout must be at most " + MAX_TIMEOUT + " but was " + sessionTimeout);
            }
            if (connectionTimeout.compareTo(MAX_TIMEOUT) > 0) {
                throw new IllegalArgumentException("connectionTimeout must be at most " + MAX_TIMEOUT + " but was "
                        + connectionTimeout);
            }
            if (acl != null && acl.stream().anyMatch(a -> "auth".equals(a.getId().getScheme())) && authInfos.isEmpty()) {
                throw new IllegalArgumentException("an ACL for the creator's identity needs authentication: set digest()");
            }
            return new ZooKeeperSettings(this);
        }
    }

    /**
     * TLS to ZooKeeper through the client's Netty socket. Key and trust stores are files (JKS,
     * PKCS12 or PEM, as ZooKeeper's client supports).
     */
    public static final class Tls {
        private final Path keyStore;
        private final String keyStorePassword;
        private final Path trustStore;
        private final String trustStorePassword;
        private final boolean hostnameVerification;

        private Tls(Path keyStore, String keyStorePassword, Path trustStore, String trustStorePassword,
                boolean hostnameVerification) {
            this.keyStore = keyStore;
            this.keyStorePassword = keyStorePassword;
            this.trustStore = trustStore;
            this.trustStorePassword = trustStorePassword;
            this.hostnameVerification = hostnameVerification;
        }

        /**
         * @param trustStore required: the certificates that sign the servers'
         * @param trustStorePassword may be null
         */
        public static Tls trustStore(Path trustStore, String trustStorePassword) {
            return new Tls(null, null, Objects.requireNonNull(trustStore, "trustStore == null"), trustStorePassword, true);
        }

        /** Adds a client certificate for mutual TLS. */
        public Tls withKeyStore(Path keyStore, String keyStorePassword) {
            return new Tls(Objects.requireNonNull(keyStore, "keyStore == null"), keyStorePassword, trustStore,
                    trustStorePassword, hostnameVerification);
        }

        /** Hostname verification is on by default. */
        public Tls withHostnameVerification(boolean on) {
            return new Tls(keyStore, keyStorePassword, trustStore, trustStorePassword, on);
        }

        ZKClientConfig clientConfig() {
            ZKClientConfig config = new ZKClientConfig();
            config.setProperty(ZKClientConfig.SECURE_CLIENT, "true");
            config.setProperty(ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET, "org.apache.zookeeper.ClientCnxnSocketNetty");
            // The property names of ZooKeeper's ClientX509Util, written out so that this class does not
            // load it (it carries SpotBugs annotations that are not on our class path).
            config.setProperty("zookeeper.ssl.trustStore.location", trustStore.toString());
            if (trustStorePassword != null) {
                config.setProperty("zookeeper.ssl.trustStore.password", trustStorePassword);
            }
            if (keyStore != null) {
                config.setProperty("zookeeper.ssl.keyStore.location", keyStore.toString());
                if (keyStorePassword != null) {
                    config.setProperty("zookeeper.ssl.keyStore.password", keyStorePassword);
                }
            }
            config.setProperty("zookeeper.ssl.hostnameVerification", Boolean.toString(hostnameVerification));
            return config;
        }
    }
}
