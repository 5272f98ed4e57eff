package dev.smartstack.discovery.spring;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code smartstack.*} properties. Only {@code smartstack.zookeeper.connect-string} is
 * required; with {@code spring.application.name} set, the application registers itself and
 * discovers the services it calls by name.
 */
@ConfigurationProperties(prefix = "smartstack")
public class SmartStackProperties {
    /** Whether the SmartStack starter is active at all. */
    private boolean enabled = true;
    private final ZooKeeper zookeeper = new ZooKeeper();
    private final Registration registration = new Registration();
    private final Discovery discovery = new Discovery();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public ZooKeeper getZookeeper() {
        return zookeeper;
    }

    public Registration getRegistration() {
        return registration;
    }

    public Discovery getDiscovery() {
        return discovery;
    }

    /** How to reach ZooKeeper: one client for the registration and every watch. */
    public static class ZooKeeper {
        /** host:port[,host:port...][/chroot] of the ZooKeeper ensemble. Required. */
        private String connectString;
        /** ZooKeeper session timeout: a crashed instance disappears within about this long. */
        private Duration sessionTimeout = Duration.ofSeconds(10);
        /** How long to wait for a connection before an operation fails. */
        private Duration connectionTimeout = Duration.ofSeconds(5);
        /** User for ZooKeeper digest authentication; with it, registrations get a creator-only-write ACL. */
        private String digestUser;
        /** Password for ZooKeeper digest authentication. */
        private String digestPassword;
        /** Trust store (JKS, PKCS12 or PEM) for TLS to ZooKeeper's secure client port; TLS is on when set. */
        private Path trustStore;
        /** Password of the trust store. */
        private String trustStorePassword;
        /** Key store holding this client's certificate, for mutual TLS. */
        private Path keyStore;
        /** Password of the key store. */
        private String keyStorePassword;
        /** Whether TLS checks that the server's certificate names the host connected to. */
        private boolean hostnameVerification = true;

        public String getConnectString() {
            return connectString;
        }

        public void setConnectString(String connectString) {
            this.connectString = connectString;
        }

        public Duration getSessionTimeout() {
            return sessionTimeout;
        }

        public void setSessionTimeout(Duration sessionTimeout) {
            this.sessionTimeout = sessionTimeout;
        }

        public Duration getConnectionTimeout() {
            return connectionTimeout;
        }

        public void setConnectionTimeout(Duration connectionTimeout) {
            this.connectionTimeout = connectionTimeout;
        }

        public String getDigestUser() {
            return digestUser;
        }

        public void setDigestUser(String digestUser) {
            this.digestUser = digestUser;
        }

        public String getDigestPassword() {
            return digestPassword;
        }

        public void setDigestPassword(String digestPassword) {
            this.digestPassword = digestPassword;
        }

        public Path getTrustStore() {
            return trustStore;
        }

        public void setTrustStore(Path trustStore) {
            this.trustStore = trustStore;
        }

        public String getTrustStorePassword() {
            return trustStorePassword;
        }

        public void setTrustStorePassword(String trustStorePassword) {
            this.trustStorePassword = trustStorePassword;
        }

        public Path getKeyStore() {
            return keyStore;
        }

        public void setKeyStore(Path keyStore) {
            this.keyStore = keyStore;
        }

        public String getKeyStorePassword() {
            return keyStorePassword;
        }

        public void setKeyStorePassword(String keyStorePassword) {
            this.keyStorePassword = keyStorePassword;
        }

        public boolean isHostnameVerification() {
            return hostnameVerification;
        }

        public void setHostnameVerification(boolean hostnameVerification) {
            this.hostnameVerification = hostnameVerification;
        }
    }

    /** How this application registers itself (as Nerve does) while its Actuator health is UP. */
    public static class Registration {
        /** Whether this application registers itself. */
        private boolean enabled = true;
        /** The service name to register as. Default: spring.application.name. */
        private String serviceName;
        /** The instance id, written as the znode's "name" and used as its prefix. Default: host_port. */
        private String instanceId;
        /**
         * The host to advertise. Default: {@code server.address} when it names one address, else the
         * first non-loopback address (Spring Cloud's InetUtils).
         */
        private String host;
        /** The port to advertise. Default: the port the embedded web server listens on. */
        private Integer port;
        /** Where to register. Default: /nerve/services/{service}/services. */
        private String zkPath;
        /** Nerve's weight, for HAProxy and weighted clients. */
        private Integer weight;
        /** Nerve's labels, for Synapse's label filters. */
        private Map<String, String> labels = new LinkedHashMap<>();
        /** Pause between two readings of the Actuator health. */
        private Duration checkInterval = Duration.ofMillis(500);
        /** How long one reading of the Actuator health may take before it counts as a failure. */
        private Duration checkTimeout = Duration.ofSeconds(2);
        /** Consecutive UP readings before the application is registered. */
        private int rise = 1;
        /** Consecutive not-UP readings before the registration is removed. */
        private int fall = 1;
        /** On shutdown, how long to keep serving after deregistering, before the web server stops. */
        private Duration drainDelay = Duration.ofSeconds(2);

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getServiceName() {
            return serviceName;
        }

        public void setServiceName(String serviceName) {
            this.serviceName = serviceName;
        }

        public String getInstanceId() {
            return instanceId;
        }

        public void setInstanceId(String instanceId) {
            this.instanceId = instanceId;
        }

        public String getHost() {
            return host;
        }

        public void setHost(String host) {
            this.host = host;
        }

        public Integer getPort() {
            return port;
        }

        public void setPort(Integer port) {
            this.port = port;
        }

        public String getZkPath() {
            return zkPath;
        }

        public void setZkPath(String zkPath) {
            this.zkPath = zkPath;
        }

        public Integer getWeight() {
            return weight;
        }

        public void setWeight(Integer weight) {
            this.weight = weight;
        }

        public Map<String, String> getLabels() {
            return labels;
        }

        public void setLabels(Map<String, String> labels) {
            this.labels = labels;
        }

        public Duration getCheckInterval() {
            return checkInterval;
        }

        public void setCheckInterval(Duration checkInterval) {
            this.checkInterval = checkInterval;
        }

        public Duration getCheckTimeout() {
            return checkTimeout;
        }

        public void setCheckTimeout(Duration checkTimeout) {
            this.checkTimeout = checkTimeout;
        }

        public int getRise() {
            return rise;
        }

        public void setRise(int rise) {
            this.rise = rise;
        }

        public int getFall() {
            return fall;
        }

        public void setFall(int fall) {
            this.fall = fall;
        }

        public Duration getDrainDelay() {
            return drainDelay;
        }

        public void setDrainDelay(Duration drainDelay) {
            this.drainDelay = drainDelay;
        }
    }

    /** How the services this application calls are found (as Synapse does). */
    public static class Discovery {
        /** Whether to provide a Spring Cloud DiscoveryClient backed by SmartStack's watcher. */
        private boolean enabled = true;
        /** Where a service's registrations are, with {service} for its name, unless set per service. */
        private String pathTemplate = "/nerve/services/{service}/services";
        /** The znode format, unless set per service: nerve, curator (also Spring Cloud Zookeeper's) or serverset. */
        private String decode = "nerve";
        /** How long the first lookup of a service waits for its registrations to be read. */
        private Duration initialLoadTimeout = Duration.ofSeconds(5);
        /**
         * Synapse's use_previous_backends: keep the last instances when every registration is gone.
         * Off by default here: a load balancer should see that a service has no instance left.
         */
        private boolean usePreviousBackends;
        /** Services watched from start-up, with their own path or format. Others are watched on first use. */
        private Map<String, Service> services = new LinkedHashMap<>();

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getPathTemplate() {
            return pathTemplate;
        }

        public void setPathTemplate(String pathTemplate) {
            this.pathTemplate = pathTemplate;
        }

        public String getDecode() {
            return decode;
        }

        public void setDecode(String decode) {
            this.decode = decode;
        }

        public Duration getInitialLoadTimeout() {
            return initialLoadTimeout;
        }

        public void setInitialLoadTimeout(Duration initialLoadTimeout) {
            this.initialLoadTimeout = initialLoadTimeout;
        }

        public boolean isUsePreviousBackends() {
            return usePreviousBackends;
        }

        public void setUsePreviousBackends(boolean usePreviousBackends) {
            this.usePreviousBackends = usePreviousBackends;
        }

        public Map<String, Service> getServices() {
            return services;
        }

        public void setServices(Map<String, Service> services) {
            this.services = services;
        }
    }

    /** One discovered service's own settings. */
    public static class Service {
        /** The ZooKeeper path of its registrations, e.g. /services/{name} for Spring Cloud Zookeeper. */
        private String path;
        /** The znode format: nerve, curator (also Spring Cloud Zookeeper's) or serverset. */
        private String decode;

        public String getPath() {
            return path;
        }

        public void setPath(String path) {
            this.path = path;
        }

        public String getDecode() {
            return decode;
        }

        public void setDecode(String decode) {
            this.decode = decode;
        }
    }
}
