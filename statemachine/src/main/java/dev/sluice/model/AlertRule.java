package dev.sluice.model;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One entry of a DAG's {@code alerts:} block: on which events it fires, whether a failure must be the final try, its
 * severity (null: from the DAG's {@code severity:NAME} tag, else {@link #DEFAULT_SEVERITY}) and where it goes
 * ({@code sns}, {@code sns:NAME}, {@code webhook:URL}, {@code command:CMD}).
 */
public record AlertRule(Set<When> when, boolean finalTryOnly, String severity, List<String> to) {
    public static final String DEFAULT_SEVERITY = "warning";

    /** The events an alert can fire on (their names in YAML are {@link #yamlName()}). */
    public enum When {
        FAILED, RETRY, SLA_MISS, SUCCESS, RUN_FAILED, RUN_SUCCEEDED, DEADLINE_MISS;

        public String yamlName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public AlertRule {
        when = Set.copyOf(when);
        to = List.copyOf(to);
        Objects.requireNonNull(to, "to");
    }

    /** The severity this rule gives for a DAG with these tags. */
    public String severityFor(List<String> dagTags) {
        if (severity != null) {
            return severity;
        }
        for (String t : dagTags) {
            if (t.startsWith("severity:") && t.length() > "severity:".length()) {
                return t.substring("severity:".length());
            }
        }
        return DEFAULT_SEVERITY;
    }
}
