package dev.smartstack.discovery.core.internal;

import dev.smartstack.discovery.core.ZooKeeperSettings;
import java.util.Objects;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.imps.CuratorFrameworkState;

/**
 * A Curator client that is either borrowed from the caller (never started or closed by us) or
 * built from {@link ZooKeeperSettings} and owned (started by {@link #start()}, closed by
 * {@link #close()}).
 */
public final class CuratorHandle implements AutoCloseable {
    private final CuratorFramework client;
    private final boolean owned;

    private CuratorHandle(CuratorFramework client, boolean owned) {
        this.client = client;
        this.owned = owned;
    }

    /** The caller's client: we use it and never close it. */
    public static CuratorHandle borrowed(CuratorFramework client) {
        return new CuratorHandle(Objects.requireNonNull(client, "client == null"), false);
    }

    /** A client built from settings, which this handle starts and closes. */
    public static CuratorHandle owned(ZooKeeperSettings settings) {
        return new CuratorHandle(Objects.requireNonNull(settings, "settings == null").newClient(), true);
    }

    /**
     * One of the two, as a builder holds them.
     *
     * @throws IllegalArgumentException naming {@code component} when neither or both are set
     */
    public static CuratorHandle of(String component, CuratorFramework client, ZooKeeperSettings settings) {
        if (client == null && settings == null) {
            throw new IllegalArgumentException(component + " needs a ZooKeeper connection: set curator(client) or zooKeeper(settings)");
        }
        if (client != null && settings != null) {
            throw new IllegalArgumentException(component + " takes curator(client) or zooKeeper(settings), not both");
        }
        return client != null ? borrowed(client) : owned(settings);
    }

    public CuratorFramework client() {
        return client;
    }

    public boolean isOwned() {
        return owned;
    }

    /** Starts an owned client. Does not block on the connection. */
    public void start() {
        if (owned && client.getState() == CuratorFrameworkState.LATENT) {
            client.start();
        }
    }

    /** Closes an owned client; a borrowed one is left alone. */
    @Override
    public void close() {
        if (owned) {
            client.close();
        }
    }
}
