package dev.sluice.model;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A DAG's {@code deadline} (Airflow 3's deadline alerts): each run must finish by its logical date (or its start)
 * plus {@code interval}; a run that does not gives one deadline miss.
 */
public record Deadline(Reference reference, Duration interval) {
    public enum Reference {
        LOGICAL_DATE, RUN_START;

        public String yamlName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public Deadline {
        Objects.requireNonNull(reference, "reference");
        Objects.requireNonNull(interval, "interval");
    }

    /** When a run with this logical date that started at {@code startedAt} must be finished. */
    public Instant due(Instant logicalDate, Instant startedAt) {
        return (reference == Reference.LOGICAL_DATE ? logicalDate : startedAt).plus(interval);
    }
}
