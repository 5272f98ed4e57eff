package dev.smartstack.discovery.haproxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** The saved server state leaves out the servers the output put into maintenance to delete them. */
class ServerStateTest {
    private static final String STATE = "1\n"
            + "# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state\n"
            + "4 service_a 2 node2_127.0.0.1:38573 127.0.0.1 0 1\n"
            + "4 service_a 3 node1_127.0.0.1:32843 127.0.0.1 2 0\n"
            + "5 other 1 node2_127.0.0.1:38573 127.0.0.1 2 0\n";

    @Test
    void withoutServers_serverInMaintForDelete_lineLeftOut() {
        assertThat(HaproxyOutput.withoutServers(STATE, Set.of("service_a/node2_127.0.0.1:38573"))).isEqualTo("1\n"
                + "# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state\n"
                + "4 service_a 3 node1_127.0.0.1:32843 127.0.0.1 2 0\n"
                + "5 other 1 node2_127.0.0.1:38573 127.0.0.1 2 0\n");
    }

    @Test
    void withoutServers_noServers_stateUnchanged() {
        assertThat(HaproxyOutput.withoutServers(STATE, Set.of())).isEqualTo(STATE);
    }
}
