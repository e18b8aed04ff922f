package dev.sluice.model;

import java.util.Locale;
import java.util.Optional;

/** Airflow's trigger rules, with Airflow's names. Evaluated by {@code dev.sluice.engine.TriggerRules}. */
public enum TriggerRule {
    ALL_SUCCESS,
    ALL_FAILED,
    ALL_DONE,
    ALL_SKIPPED,
    ONE_SUCCESS,
    ONE_FAILED,
    ONE_DONE,
    NONE_FAILED,
    NONE_FAILED_MIN_ONE_SUCCESS,
    NONE_SKIPPED,
    ALWAYS;

    public String airflowName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<TriggerRule> parse(String name) {
        for (TriggerRule r : values()) {
            if (r.airflowName().equals(name)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }
}
