package dev.smartstack.discovery.haproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Answer classification by HAProxy's own severity code, on answers captured from HAProxy 2.6.12. */
class RuntimeCommandTest {

    @Test
    void classify_emptyAnswerOfSetCommands_ok() {
        assertThat(RuntimeCommand.setWeight("b", "s", 5).classify("\n").outcome()).isEqualTo(RuntimeCommand.Outcome.OK);
        assertThat(RuntimeCommand.setState("b", "s", "maint").classify("\n").ok()).isTrue();
        assertThat(RuntimeCommand.enableServer("b", "s").classify("").ok()).isTrue();
        assertThat(RuntimeCommand.shutdownSessions("b", "s").classify("\n").ok()).isTrue();
    }

    @Test
    void classify_errorSeverity_refusedWithHaproxysText() {
        RuntimeCommand.Answer a = RuntimeCommand.setWeight("b", "s", 5)
                .classify("[3]: Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.\n\n");
        assertThat(a.outcome()).isEqualTo(RuntimeCommand.Outcome.REFUSED);
        assertThat(a.severity()).isEqualTo(3);
        assertThat(a.describe()).isEqualTo("Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.");
        assertThat(RuntimeCommand.enableHealth("b", "s")
                .classify("[3]: Health check was not configured on this server, cannot enable.\n\n").ok()).isFalse();
    }

    @Test
    void classify_addAndDel_onlyTheirSuccessMessageIsSuccess() {
        assertThat(RuntimeCommand.addServer("b", "x", "127.0.0.1:9 id 2").classify("[6]: New server registered.\n\n").ok())
                .isTrue();
        assertThat(RuntimeCommand.delServer("b", "x").classify("[6]: Server deleted.\n").ok()).isTrue();
        RuntimeCommand.Answer busy = RuntimeCommand.delServer("b", "x")
                .classify("[3]: Only servers in maintenance mode can be deleted.\n");
        assertThat(busy.outcome()).isEqualTo(RuntimeCommand.Outcome.REFUSED);
        assertThat(busy.noSuchServer()).isFalse();
        assertThat(RuntimeCommand.delServer("b", "x").classify("[3]: No such server.\n").noSuchServer()).isTrue();
    }

    @Test
    void classify_unknownCommandAnsweredWithInfoSeverity_notUnderstoodNeverSuccess() {
        // HAProxy 2.6 answers an unknown command with severity 6 (information): guessing by code
        // alone would take it for success
        RuntimeCommand.Answer a = RuntimeCommand.addServer("b", "x", "127.0.0.1:9")
                .classify("[6]: Unknown command, but maybe one of the following ones is a better match:\n  help\n");
        assertThat(a.outcome()).isEqualTo(RuntimeCommand.Outcome.NOT_UNDERSTOOD);
        assertThat(a.describe()).startsWith("answer not understood: \"Unknown command, but maybe");
        assertThat(RuntimeCommand.setWeight("b", "s", 1).classify("[6]: something new\n").outcome())
                .isEqualTo(RuntimeCommand.Outcome.NOT_UNDERSTOOD);
        assertThat(RuntimeCommand.setWeight("b", "s", 1).classify("unprefixed text\n").outcome())
                .isEqualTo(RuntimeCommand.Outcome.NOT_UNDERSTOOD);
    }

    @Test
    void classify_optionNotAcceptedForDynamicServer_keywordExtracted() {
        RuntimeCommand.Answer a = RuntimeCommand.addServer("b", "x", "127.0.0.1:10 non-stick")
                .classify("[3]: 'non-stick' option is not accepted for dynamic server\n\n");
        assertThat(a.notDynamicKeyword()).isEqualTo("non-stick");
        assertThat(RuntimeCommand.addServer("b", "x", "127.0.0.1:10").classify("[3]: No such backend.\n")
                .notDynamicKeyword()).isNull();
    }

    @Test
    void classify_data_okUnlessPrefixedMessage() {
        assertThat(RuntimeCommand.showStat(2, 1).classify("# pxname,svname,qcur\nb,a,0\n").ok()).isTrue();
        assertThat(RuntimeCommand.showServersState("nob").classify("[3]: Can't find backend.\n").outcome())
                .isEqualTo(RuntimeCommand.Outcome.REFUSED);
    }

    @Test
    void command_lineBreakOrSemicolon_refused() {
        assertThatThrownBy(() -> RuntimeCommand.setWeight("b", "s;show", 1))
                .hasMessage("refusing to send a command with a line break or ';': set server b/s;show weight 1");
        assertThatThrownBy(() -> RuntimeCommand.setState("b", "s", "up"))
                .hasMessage("state must be ready, maint or drain but was up");
    }

    @Test
    void split_interactiveSession_oneAnswerPerPrompt() {
        String raw = "\n> \n> [6]: New server registered.\n\n> \n> [6]: Server deleted.\n> [3]: No such server.\n> ";
        assertThat(RuntimeClient.split(raw)).containsExactly("\n", "\n", "[6]: New server registered.\n\n", "\n",
                "[6]: Server deleted.\n", "[3]: No such server.\n");
    }

    @Test
    void load_showStatCsv_queuePlusSessions() {
        String header = "# pxname,svname,qcur,qmax,scur,smax,slim\n";
        assertThat(DrainTracker.load(header + "b,a,2,0,3,5,\n")).isEqualTo(5);
        assertThat(DrainTracker.load(header + "b,a,0,0,0,5,\n")).isZero();
        assertThat(DrainTracker.load(header)).isEqualTo(DrainTracker.GONE);
        assertThat(DrainTracker.load("garbage")).isEqualTo(-1);
        assertThat(DrainTracker.load(header + "b,a,x,0,0\n")).isEqualTo(-1);
    }

    @Test
    void backendId_showServersState_firstColumn() {
        assertThat(AppliedState.backendId("1\n# be_id be_name srv_id\n3 b 1 a 127.0.0.1 2 0 1 1\n")).isEqualTo(3);
        assertThat(AppliedState.backendId("1\n# be_id be_name srv_id\n")).isNull();
        assertThat(AppliedState.backendId(String.join("\n", List.of("1", "x b 1")))).isNull();
    }
}
