package dev.smartstack.discovery.spring;

import dev.smartstack.discovery.core.ZooKeeperSettings;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one Curator client that the registration and every watch share, built from
 * {@code smartstack.zookeeper.*}. It is a bean of its own type (not {@link CuratorFramework}) so
 * that it never competes with an application's or Spring Cloud Zookeeper's client. Started when
 * the bean is created (without waiting for ZooKeeper), closed when the context is destroyed, after
 * everything that uses it.
 */
final class ZooKeeperConnection implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ZooKeeperConnection.class);

    private final ZooKeeperSettings settings;
    private final CuratorFramework client;

    private ZooKeeperConnection(ZooKeeperSettings settings) {
        this.settings = settings;
        this.client = settings.newClient();
    }

    static ZooKeeperConnection start(SmartStackProperties.ZooKeeper properties) {
        ZooKeeperConnection c = new ZooKeeperConnection(settings(properties));
        c.client.start();
        log.info("smartstack connecting to {}", c.settings);
        return c;
    }

    /** Maps {@code smartstack.zookeeper.*} onto {@link ZooKeeperSettings}; its builder checks the values. */
    static ZooKeeperSettings settings(SmartStackProperties.ZooKeeper p) {
        if (p.getConnectString() == null || p.getConnectString().isBlank()) {
            throw new IllegalArgumentException("smartstack.zookeeper.connect-string is required");
        }
        ZooKeeperSettings.Builder b = ZooKeeperSettings.builder()
                .connectString(p.getConnectString())
                .sessionTimeout(p.getSessionTimeout())
                .connectionTimeout(p.getConnectionTimeout());
        if (p.getDigestUser() != null || p.getDigestPassword() != null) {
            if (p.getDigestUser() == null || p.getDigestPassword() == null) {
                throw new IllegalArgumentException(
                        "smartstack.zookeeper.digest-user and smartstack.zookeeper.digest-password go together");
            }
            b.digest(p.getDigestUser(), p.getDigestPassword()).creatorAllWorldRead();
        }
        if (p.getTrustStore() != null) {
            ZooKeeperSettings.Tls tls = ZooKeeperSettings.Tls.trustStore(p.getTrustStore(), p.getTrustStorePassword())
                    .withHostnameVerification(p.isHostnameVerification());
            if (p.getKeyStore() != null) {
                tls = tls.withKeyStore(p.getKeyStore(), p.getKeyStorePassword());
            }
            b.tls(tls);
        } else if (p.getKeyStore() != null) {
            throw new IllegalArgumentException("smartstack.zookeeper.key-store needs smartstack.zookeeper.trust-store");
        }
        return b.build();
    }

    CuratorFramework client() {
        return client;
    }

    boolean isConnected() {
        return client.getState() == CuratorFrameworkState.STARTED && client.getZookeeperClient().isConnected();
    }

    @Override
    public void close() {
        client.close();
    }

    @Override
    public String toString() {
        return settings.toString();
    }
}
