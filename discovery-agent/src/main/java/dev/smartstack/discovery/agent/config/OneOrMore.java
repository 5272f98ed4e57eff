package dev.smartstack.discovery.agent.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A list of strings that may also be written as one string ({@code socket_file_path:
 * /run/haproxy.sock} or a list of sockets, as Ruby Synapse reads it): one string is a list of one.
 * The HAProxy line lists ({@code listen}, {@code frontend}, {@code backend},
 * {@code shared_frontend}) take it too, as Synapse's README writes {@code backend: "mode http"}
 * (which Ruby itself fails on).
 */
final class OneOrMore extends StdDeserializer<List<String>> {
    private static final long serialVersionUID = 1L;

    OneOrMore() {
        super(List.class);
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<String> deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_STRING) {
            return List.of(p.getText());
        }
        if (p.currentToken() != JsonToken.START_ARRAY) {
            return (List<String>) ctxt.handleUnexpectedToken(List.class, p);
        }
        List<String> out = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() != JsonToken.VALUE_STRING) {
                return (List<String>) ctxt.handleUnexpectedToken(String.class, p);
            }
            out.add(p.getText());
        }
        return out;
    }
}
