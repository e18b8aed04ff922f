package dev.sluice.model;

import java.util.List;

/**
 * What a DAG declares about telling people: its own callbacks (for the run: {@code on_failure}, {@code on_success}),
 * its {@code alerts:} rules and its {@code deadline} (null when none).
 */
public record DagAlerts(Callbacks runCallbacks, List<AlertRule> rules, Deadline deadline) {
    public static final DagAlerts NONE = new DagAlerts(Callbacks.NONE, List.of(), null);

    public DagAlerts {
        runCallbacks = runCallbacks == null ? Callbacks.NONE : runCallbacks;
        rules = List.copyOf(rules == null ? List.of() : rules);
    }
}
