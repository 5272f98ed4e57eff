package dev.smartstack.discovery.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ErbTest {
    private static final Map<String, String> ENV = Map.of("ZK", "127.0.0.1:2181", "EMPTY", "");

    @Test
    void render_envLookups_substituted() {
        assertThat(Erb.render("a <%= ENV['ZK'] %> b <%= ENV[\"ZK\"] %> c <%=ENV['NONE']%>.", ENV, "f"))
                .isEqualTo("a 127.0.0.1:2181 b 127.0.0.1:2181 c .");
    }

    @Test
    void render_fetch_valueOrDefaultOrError() {
        assertThat(Erb.render("<%= ENV.fetch('ZK', 'x') %> <%= ENV.fetch(\"NONE\", \"dflt\") %> <%= ENV.fetch('EMPTY') %>|",
                ENV, "f")).isEqualTo("127.0.0.1:2181 dflt |");
        assertThatThrownBy(() -> Erb.render("{\n\"a\": \"<%= ENV.fetch('NONE') %>\"}", ENV, "s.json"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("s.json: line 2: ERB \"<%= ENV.fetch('NONE') %>\": the environment variable NONE is not set");
    }

    @Test
    void render_otherCode_refusedNamingIt() {
        assertThatThrownBy(() -> Erb.render("x\n<% 3.times do %>y<% end %>", ENV, "s.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("s.yaml: line 2: ERB \"<% 3.times do %>\" is not supported (only <%= ENV['NAME'] %> and "
                        + "<%= ENV.fetch('NAME', 'default') %> are)");
        assertThatThrownBy(() -> Erb.render("<%= `id` %>", ENV, "s.yaml"))
                .hasMessage("s.yaml: line 1: ERB \"<%= `id` %>\" is not supported (only <%= ENV['NAME'] %> and "
                        + "<%= ENV.fetch('NAME', 'default') %> are)");
        assertThatThrownBy(() -> Erb.render("<%= ENV['A'] + ENV['B'] %>", ENV, "s.yaml"))
                .hasMessageContaining("is not supported");
        assertThatThrownBy(() -> Erb.render("a <%= ENV['A']", ENV, "s.yaml"))
                .hasMessage("s.yaml: ERB tag opened with <% but never closed with %>");
    }

    @Test
    void render_literalPercent_andNoTags_unchanged() {
        assertThat(Erb.render("<%% x %>", ENV, "f")).isEqualTo("<% x %>");
        assertThat(Erb.render("a<%# a comment %>b", ENV, "f")).isEqualTo("ab");
        assertThat(Erb.render("{\"a\": \"100%\"}", ENV, "f")).isEqualTo("{\"a\": \"100%\"}");
    }
}
