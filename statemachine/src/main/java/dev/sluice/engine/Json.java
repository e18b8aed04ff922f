package dev.sluice.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** JSON text in and out of the engine (outputs, items, conf). One shared, thread-safe mapper. */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("value cannot be written as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Parses JSON text; null for null input. Throws IllegalArgumentException on malformed text. */
    public static JsonNode read(String text) {
        if (text == null) {
            return null;
        }
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** The JSON text as a plain Java value (Map, List, String, Number, Boolean or null). */
    public static Object toJava(String text) {
        JsonNode n = read(text);
        return n == null ? null : MAPPER.convertValue(n, Object.class);
    }
}
