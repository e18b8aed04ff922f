package dev.sluice.schedule;

import java.time.Instant;
import java.util.Objects;

/**
 * A run's data interval {@code [start, end)}, as in Airflow: the run's logical date is {@code start},
 * and the run becomes due at {@code end}. For {@code @once} and manual runs the interval is empty
 * ({@code start == end}).
 *
 * <pre>{@code
 * // cron "0 2 * * *", UTC: the run with logical date 2024-01-01T02:00Z covers one day and is due the next 02:00
 * new DataInterval(Instant.parse("2024-01-01T02:00:00Z"), Instant.parse("2024-01-02T02:00:00Z"))
 * }</pre>
 */
public record DataInterval(Instant start, Instant end) {
    public DataInterval {
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(end, "end");
        if (end.isBefore(start)) {
            throw new IllegalArgumentException("data interval end " + end + " is before its start " + start);
        }
    }

    /** The logical date of the run for this interval (Airflow: {@code logical_date == data_interval_start}). */
    public Instant logicalDate() {
        return start;
    }

    /** True when the interval is complete at {@code now}, i.e. its run may start. */
    public boolean isCompleteAt(Instant now) {
        return !end.isAfter(now);
    }

    @Override
    public String toString() {
        return "[" + start + ", " + end + ")";
    }
}
