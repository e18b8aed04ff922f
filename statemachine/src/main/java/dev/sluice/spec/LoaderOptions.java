package dev.sluice.spec;

import java.time.ZoneId;
import java.util.Objects;
import java.util.function.BiFunction;

/**
 * Options for {@link DagLoader}.
 *
 * @param scheduleChecker checks a {@code schedule:} value in the DAG's time zone; returns null when it is valid,
 *                        otherwise the error message (reported at the schedule's line)
 */
public record LoaderOptions(BiFunction<String, ZoneId, String> scheduleChecker) {
    public LoaderOptions {
        Objects.requireNonNull(scheduleChecker, "scheduleChecker");
    }

    /** The built-in schedule check, {@link ScheduleCheck#check(String, ZoneId)}. */
    public static LoaderOptions defaults() {
        return new LoaderOptions(ScheduleCheck::check);
    }

    public LoaderOptions withScheduleChecker(BiFunction<String, ZoneId, String> checker) {
        return new LoaderOptions(checker);
    }
}
