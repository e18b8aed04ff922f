package dev.sluice.spec;

import java.time.ZoneId;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a {@code schedule:} value at load time: a preset ({@code @once @hourly @daily @weekly @monthly @yearly})
 * or a 5-field cron expression (minute hour day-of-month month day-of-week; {@code * , - /}, numbers, and
 * month/day names).
 *
 * <p>This is a syntax check only. The single entry point {@link #check(String, ZoneId)} is meant to be pointed at
 * {@code dev.sluice.schedule.Schedule.parse} once that exists, so that the loader and the scheduler agree exactly.
 */
public final class ScheduleCheck {
    public static final Set<String> PRESETS = Set.of("@once", "@hourly", "@daily", "@weekly", "@monthly",
            "@yearly");

    private static final List<String> FIELD_NAMES = List.of("minute", "hour", "day-of-month", "month",
            "day-of-week");
    private static final int[] MIN = {0, 0, 1, 1, 0};
    private static final int[] MAX = {59, 23, 31, 12, 7};
    private static final List<String> MONTHS = List.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG",
            "SEP", "OCT", "NOV", "DEC");
    private static final List<String> DAYS = List.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT");
    private static final Pattern ITEM = Pattern.compile("(\\*|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:/(\\d+))?");

    private ScheduleCheck() {
    }

    /** Null when {@code schedule} is a valid preset or cron expression, otherwise the reason. */
    public static String check(String schedule, ZoneId zone) {
        if (schedule == null) {
            return null;
        }
        String s = schedule.strip();
        if (s.startsWith("@")) {
            return PRESETS.contains(s) ? null : "unknown schedule preset '" + s + "'"
                    + dev.sluice.model.Names.hint(s, PRESETS) + "; use one of " + String.join(" ", sortedPresets());
        }
        String[] fields = s.split("\\s+");
        if (fields.length != 5) {
            return "bad cron '" + s + "': expected 5 fields (minute hour day-of-month month day-of-week), got "
                    + (s.isEmpty() ? 0 : fields.length);
        }
        for (int i = 0; i < 5; i++) {
            String why = checkField(i, fields[i]);
            if (why != null) {
                return "bad cron '" + s + "': " + FIELD_NAMES.get(i) + " field '" + fields[i] + "' " + why;
            }
        }
        return null;
    }

    private static List<String> sortedPresets() {
        return List.of("@once", "@hourly", "@daily", "@weekly", "@monthly", "@yearly");
    }

    private static String checkField(int i, String field) {
        for (String item : field.split(",", -1)) {
            Matcher m = ITEM.matcher(item);
            if (!m.matches()) {
                return "is not valid (use numbers, names, * , - /)";
            }
            String step = m.group(2);
            if (step != null && (step.length() > 4 || Integer.parseInt(step) < 1 || Integer.parseInt(step) > MAX[i])) {
                return "has a step outside 1-" + MAX[i];
            }
            if (m.group(1).equals("*")) {
                continue;
            }
            String[] range = m.group(1).split("-");
            int lo = value(i, range[0]);
            int hi = range.length == 2 ? value(i, range[1]) : lo;
            if (lo < 0 || hi < 0) {
                return "has a value outside " + MIN[i] + "-" + MAX[i];
            }
            if (hi < lo) {
                return "has a range that runs backwards";
            }
        }
        return null;
    }

    /** The numeric value of one cron atom, or -1 when it is out of range or unknown. */
    private static int value(int i, String atom) {
        String up = atom.toUpperCase(Locale.ROOT);
        int v;
        if (i == 3 && MONTHS.contains(up)) {
            v = MONTHS.indexOf(up) + 1;
        } else if (i == 4 && DAYS.contains(up)) {
            v = DAYS.indexOf(up);
        } else if (up.chars().allMatch(Character::isDigit) && up.length() <= 4) {
            v = Integer.parseInt(up);
        } else {
            return -1;
        }
        return v < MIN[i] || v > MAX[i] ? -1 : v;
    }
}
