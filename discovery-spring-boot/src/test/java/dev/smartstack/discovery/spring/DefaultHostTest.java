package dev.smartstack.discovery.spring;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DefaultHostTest {
    @Test
    void serverAddress_oneAddress_advertised() {
        // before: an application bound to 127.0.0.1 advertised the machine's first non-loopback
        // address, where nothing listened, and every @LoadBalanced call to it failed
        assertThat(SmartStackAutoConfiguration.defaultHost("127.0.0.1", null)).isEqualTo("127.0.0.1");
        assertThat(SmartStackAutoConfiguration.defaultHost(" ::1 ", null)).isEqualTo("::1");
    }

    @Test
    void serverAddress_unsetOrWildcard_notAdvertised() {
        for (String wildcard : new String[] {null, "", "0.0.0.0", "::", "[::]", "0:0:0:0:0:0:0:0"}) {
            // without InetUtils the fallback is loopback; with it, the first non-loopback address
            assertThat(SmartStackAutoConfiguration.defaultHost(wildcard, null)).as(String.valueOf(wildcard))
                    .isEqualTo("127.0.0.1");
        }
    }
}
