package dev.sluice.spec;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the spec's durations:
 * <ul>
 *   <li>units {@code 500ms 30s 5m 1h 2d 1w}, combinable: {@code 1h30m}, {@code 1h 30m};</li>
 *   <li>a plain integer: seconds ({@code 300});</li>
 *   <li>ISO-8601 with days, hours, minutes and seconds: {@code PT5M}, {@code P1D}, {@code PT1.5S}.</li>
 * </ul>
 * Negative durations are rejected. Example: {@code Durations.parse("1h30m")} is 90 minutes.
 */
public final class Durations {
    private static final Pattern PART = Pattern.compile("\\s*+(\\d++)\\s*+(ms|s|m|h|d|w)");
    private static final Pattern INTEGER = Pattern.compile("\\d+");
    static final String FORMS = "use e.g. 30s, 5m, 1h30m, 2d, 500ms, a number of seconds, or ISO-8601 like PT5M";

    private Durations() {
    }

    /** @throws IllegalArgumentException with a message naming the bad text and the accepted forms */
    public static Duration parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty duration (" + FORMS + ")");
        }
        String s = text.strip();
        String shown = s.length() > 40 ? s.substring(0, 40) + "..." : s;
        if (s.startsWith("-")) {
            throw new IllegalArgumentException("duration '" + shown + "' must not be negative");
        }
        try {
            if (INTEGER.matcher(s).matches()) {
                return Duration.ofSeconds(Long.parseLong(s));
            }
            if (s.charAt(0) == 'P' || s.charAt(0) == 'p') {
                Duration d = Duration.parse(s);
                if (d.isNegative()) {
                    throw new IllegalArgumentException("duration '" + shown + "' must not be negative");
                }
                return d;
            }
            Matcher m = PART.matcher(s);
            Duration total = Duration.ZERO;
            int end = 0;
            String lastUnit = null;
            // Each part must start where the last ended: lookingAt, not find, which would retry from every later
            // position and take quadratic time on a long run of digits.
            while (end < s.length() && m.region(end, s.length()).lookingAt()) {
                long n = Long.parseLong(m.group(1));
                String unit = m.group(2);
                if (unit.equals(lastUnit)) {
                    throw new IllegalArgumentException("bad duration '" + shown + "': unit '" + unit + "' repeats");
                }
                lastUnit = unit;
                total = total.plus(switch (unit) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    case "d" -> Duration.ofDays(n);
                    default -> Duration.ofDays(Math.multiplyExact(n, 7));
                });
                end = m.end();
            }
            if (end == 0 || end != s.length()) {
                throw new IllegalArgumentException("bad duration '" + shown + "' (" + FORMS + ")");
            }
            return total;
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("bad duration '" + shown + "' (ISO-8601 durations may use days, "
                    + "hours, minutes and seconds, e.g. P1D or PT1H30M)");
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("duration '" + shown + "' is too large");
        }
    }

    /** The shortest spec form of {@code d}, e.g. {@code 1h30m}; used in docs and messages. */
    public static String format(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        StringBuilder b = new StringBuilder();
        long days = d.toDays();
        if (days > 0) {
            b.append(days).append('d');
        }
        int h = d.toHoursPart();
        int m = d.toMinutesPart();
        int s = d.toSecondsPart();
        int ms = d.toMillisPart();
        if (h > 0) {
            b.append(h).append('h');
        }
        if (m > 0) {
            b.append(m).append('m');
        }
        if (s > 0) {
            b.append(s).append('s');
        }
        if (ms > 0) {
            b.append(ms).append("ms");
        }
        return b.toString();
    }
}
