package dev.smartstack.discovery.agent.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A string option that may also be written as a list of words ({@code server_options:
 * ["check", "inter 2s"]}, as in Synapse's own specs): the words joined by one space.
 */
final class Words extends StdDeserializer<String> {
    private static final long serialVersionUID = 1L;

    Words() {
        super(String.class);
    }

    @Override
    public String deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        if (p.currentToken() != JsonToken.START_ARRAY) {
            return (String) ctxt.handleUnexpectedToken(String.class, p);
        }
        List<String> words = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() != JsonToken.VALUE_STRING) {
                return (String) ctxt.handleUnexpectedToken(String.class, p);
            }
            words.add(p.getText());
        }
        return String.join(" ", words);
    }
}
