package dev.smartstack.discovery.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * The server's own per-session packet counter, read over JMX from the ZooKeeper JVM: the
 * {@code PacketsReceived} of the session's connection bean, the number {@code cons} prints as
 * {@code recved}. (The {@code ZooKeeperProcess} fixture whitelists only {@code srvr, ruok, mntr,
 * stat}, and its config file's whitelist overrides a system property, so {@code cons} itself is
 * not available; the connection bean is the same counter.) It counts pings too, so over a window
 * it should equal the {@link CountingProxy}'s requests plus pings.
 */
final class ServerCounter implements AutoCloseable {
    private final int port;
    private JMXConnector connector;

    ServerCounter() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            this.port = s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1", e);
        }
    }

    /** The options that open JMX on 127.0.0.1 in the server's JVM, without authentication (loopback only). */
    List<String> jvmOptions() {
        return List.of("-Dcom.sun.management.jmxremote.port=" + port,
                "-Dcom.sun.management.jmxremote.rmi.port=" + port,
                "-Dcom.sun.management.jmxremote.host=127.0.0.1",
                "-Dcom.sun.management.jmxremote.authenticate=false",
                "-Dcom.sun.management.jmxremote.ssl=false",
                "-Djava.rmi.server.hostname=127.0.0.1");
    }

    /** Packets the server has received on session {@code sessionIdHex}'s connection, if it has one now. */
    synchronized OptionalLong packetsReceived(String sessionIdHex) {
        try {
            if (connector == null) {
                connector = JMXConnectorFactory.connect(
                        new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + port + "/jmxrmi"));
            }
            MBeanServerConnection c = connector.getMBeanServerConnection();
            Set<ObjectName> names = c.queryNames(
                    new ObjectName("org.apache.ZooKeeperService:name3=0x" + sessionIdHex + ",*"), null);
            for (ObjectName name : names) {
                return OptionalLong.of(((Number) c.getAttribute(name, "PacketsReceived")).longValue());
            }
            return OptionalLong.empty();
        } catch (Exception e) {
            return OptionalLong.empty();
        }
    }

    @Override
    public synchronized void close() {
        if (connector != null) {
            try {
                connector.close();
            } catch (IOException e) {
                // the server is going away
            }
        }
    }
}
