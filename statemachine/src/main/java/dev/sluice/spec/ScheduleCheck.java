package dev.sluice.spec;

import dev.sluice.schedule.Schedule;
import java.time.ZoneId;

/**
 * Checks a {@code schedule:} value at load time with the scheduler's own parser, {@link Schedule#parse}, so that
 * the loader and the scheduler can never disagree about what is a valid cron expression or preset.
 * This is the single place the loader's default check lives; {@link LoaderOptions} can replace it.
 */
public final class ScheduleCheck {
    private ScheduleCheck() {
    }

    /** Null when {@code schedule} is a valid 5-field cron or preset in {@code zone}, otherwise the reason. */
    public static String check(String schedule, ZoneId zone) {
        if (schedule == null) {
            return null;
        }
        try {
            Schedule.parse(schedule, zone == null ? ZoneId.of("UTC") : zone);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage() == null ? "invalid schedule '" + schedule + "'" : e.getMessage();
        }
    }
}
