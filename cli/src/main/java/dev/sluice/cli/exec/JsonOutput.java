package dev.sluice.cli.exec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Turns what a command printed into the JSON text stored as its output (Airflow's XCom return value); a handler's
 * return value is written by {@link dev.sluice.engine.HandlerOutcome}.
 */
final class JsonOutput {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private JsonOutput() {
    }

    /**
     * The last non-empty stdout line of a command: kept as is when it is JSON ({@code {"rows": 3}}, {@code 42},
     * {@code true}), otherwise stored as a JSON string. Null for no output.
     */
    static String fromCommandLine(String line) {
        if (line == null || line.isBlank()) {
            return null;
        }
        String trimmed = line.strip();
        try {
            MAPPER.readTree(trimmed);
            return trimmed;
        } catch (JsonProcessingException e) {
            return write(trimmed);
        }
    }

    private static String write(String s) {
        try {
            return MAPPER.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e); // a String always serialises
        }
    }
}
