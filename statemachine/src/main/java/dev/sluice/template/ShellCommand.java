package dev.sluice.template;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A rendered {@code command}: the script, in which every template value is a reference such as
 * {@code "${SLUICE_V_1}"}, and the values, which the runner passes to {@code /bin/sh -c SCRIPT} as environment
 * variables. A value is never part of the script text, so the shell never parses it.
 *
 * <pre>{@code
 * ShellCommand c = renderer.renderCommand("process.sh {{ item }} --day {{ ds }}", ctx);
 * c.script()    // process.sh "${SLUICE_V_1}" --day "${SLUICE_V_2}"
 * c.values()    // {SLUICE_V_1=a b; rm -rf x, SLUICE_V_2=2024-01-01}
 * }</pre>
 *
 * @param values variable name to value, in the order the references appear in the script
 */
public record ShellCommand(String script, Map<String, String> values) {
    /** Every value variable's name starts with this. */
    public static final String PREFIX = "SLUICE_V_";

    private static final ObjectMapper JSON = new ObjectMapper();

    public ShellCommand {
        Objects.requireNonNull(script, "script");
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values == null ? Map.of() : values));
    }

    /** A command without values. */
    public static ShellCommand of(String script) {
        return new ShellCommand(script, Map.of());
    }

    /**
     * For logs only, never for running: the script, then one {@code NAME="value"} per value with the value as a
     * JSON string (so a newline or a control character shows as an escape).
     */
    public String display() {
        return display(script, values);
    }

    /** As {@link #display()} for a script and the environment it runs with (other variables are left out). */
    public static String display(String script, Map<String, String> env) {
        StringBuilder b = new StringBuilder(script);
        valueLines(env).forEach(line -> b.append("\n  with ").append(line));
        return b.toString();
    }

    /** {@code SLUICE_V_1="value"} for each value variable in {@code env}, in order, the value as a JSON string. */
    public static List<String> valueLines(Map<String, String> env) {
        return valueLines(env, v -> v);
    }

    /** As {@link #valueLines(Map)}, each value passed through {@code mask} (a secrets masker) before it is quoted. */
    public static List<String> valueLines(Map<String, String> env, java.util.function.UnaryOperator<String> mask) {
        return env.entrySet().stream()
                .filter(e -> e.getKey().startsWith(PREFIX))
                .sorted(Map.Entry.comparingByKey(ShellCommand::byNumber))
                .map(e -> e.getKey() + "=" + json(mask.apply(e.getValue())))
                .toList();
    }

    private static int byNumber(String a, String b) {
        return a.length() != b.length() ? Integer.compare(a.length(), b.length()) : a.compareTo(b);
    }

    private static String json(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
