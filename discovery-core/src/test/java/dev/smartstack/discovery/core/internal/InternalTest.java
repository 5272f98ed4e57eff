package dev.smartstack.discovery.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smartstack.discovery.core.ZooKeeperSettings;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.junit.jupiter.api.Test;

class InternalTest {

    @Test
    void listeners_oneThrows_othersStillRun() {
        Listeners<Runnable> listeners = new Listeners<>();
        List<String> calls = new CopyOnWriteArrayList<>();
        listeners.add(() -> calls.add("first"));
        listeners.add(() -> {
            throw new AssertionError("listener error");
        });
        listeners.add(() -> calls.add("third"));
        listeners.fire(Runnable::run);
        assertThat(calls).containsExactly("first", "third");
    }

    @Test
    void listeners_addRemoveAndIsEmpty_track() {
        Listeners<Runnable> listeners = new Listeners<>();
        assertThat(listeners.isEmpty()).isTrue();
        Runnable r = () -> { };
        listeners.addAll(List.of(r));
        assertThat(listeners.isEmpty()).isFalse();
        listeners.remove(r);
        assertThat(listeners.isEmpty()).isTrue();
    }

    @Test
    void namedThreadFactory_threads_areNamedDaemons() {
        NamedThreadFactory f = new NamedThreadFactory("smartstack-nerve-web");
        Thread a = f.newThread(() -> { });
        Thread b = f.newThread(() -> { });
        assertThat(a.getName()).isEqualTo("smartstack-nerve-web-1");
        assertThat(b.getName()).isEqualTo("smartstack-nerve-web-2");
        assertThat(a.isDaemon()).isTrue();
        assertThat(a.getUncaughtExceptionHandler()).isNotNull();
    }

    @Test
    void curatorHandle_borrowed_isNeverStartedOrClosed() {
        try (CuratorFramework client = ZooKeeperSettings.of("127.0.0.1:1").newClient()) {
            CuratorHandle handle = CuratorHandle.borrowed(client);
            handle.start();
            handle.close();
            assertThat(handle.isOwned()).isFalse();
            assertThat(handle.client()).isSameAs(client);
            assertThat(client.getState()).isEqualTo(CuratorFrameworkState.LATENT);
        }
    }

    @Test
    void curatorHandle_owned_isStartedAndClosed() {
        CuratorHandle handle = CuratorHandle.owned(ZooKeeperSettings.of("127.0.0.1:1"));
        assertThat(handle.isOwned()).isTrue();
        handle.start();
        assertThat(handle.client().getState()).isEqualTo(CuratorFrameworkState.STARTED);
        handle.close();
        assertThat(handle.client().getState()).isEqualTo(CuratorFrameworkState.STOPPED);
    }

    @Test
    void curatorHandle_neitherOrBoth_isRefusedNamingTheComponent() {
        assertThatThrownBy(() -> CuratorHandle.of("nerve 'web'", null, null))
                .hasMessage("nerve 'web' needs a ZooKeeper connection: set curator(client) or zooKeeper(settings)");
        try (CuratorFramework client = ZooKeeperSettings.of("127.0.0.1:1").newClient()) {
            assertThatThrownBy(() -> CuratorHandle.of("synapse", client, ZooKeeperSettings.of("127.0.0.1:1")))
                    .hasMessage("synapse takes curator(client) or zooKeeper(settings), not both");
            assertThat(CuratorHandle.of("x", client, null).isOwned()).isFalse();
        }
        assertThatThrownBy(() -> CuratorHandle.borrowed(null)).hasMessage("client == null");
    }
}
