package dev.sluice.spec;

import dev.sluice.model.Location;
import dev.sluice.model.Names;
import dev.sluice.model.Problem;
import dev.sluice.spec.SpecTree.Field;
import dev.sluice.spec.SpecTree.ListNode;
import dev.sluice.spec.SpecTree.MapNode;
import dev.sluice.spec.SpecTree.Node;
import dev.sluice.spec.SpecTree.Scalar;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Typed reads of spec fields. A wrong type or value becomes a {@link Problem} at the value's location and the read
 * returns null, so one bad field never hides the others. A null (or absent) value also reads as null.
 */
final class Values {
    /** Old or foreign names that people will type, and what Sluice calls them. */
    private static final Map<String, String> RENAMES = Map.ofEntries(
            Map.entry("schedule_interval", "schedule"),
            Map.entry("concurrency", "max_active_tasks"),
            Map.entry("depends_on", "upstream"),
            Map.entry("dependencies", "upstream"),
            Map.entry("upstream_tasks", "upstream"),
            Map.entry("bash_command", "command"),
            Map.entry("tz", "timezone"),
            Map.entry("id", "task_id"),
            Map.entry("name", "task_id"),
            Map.entry("weight", "priority_weight"),
            Map.entry("timeout", "execution_timeout"));

    private final List<Problem> problems;

    Values(List<Problem> problems) {
        this.problems = problems;
    }

    List<Problem> problems() {
        return problems;
    }

    void error(Location at, String message) {
        problems.add(Problem.error(at, message));
    }

    void warning(Location at, String message) {
        problems.add(Problem.warning(at, message));
    }

    /** Reports every key of {@code m} that is not in {@code known}, with a "did you mean" hint. */
    void unknownFields(MapNode m, Collection<String> known, String where) {
        for (Field f : m.fields().values()) {
            if (!known.contains(f.key())) {
                error(f.keyAt(), unknownMessage(f.key(), known, where));
            }
        }
    }

    static String unknownMessage(String key, Collection<String> known, String where) {
        String shown = key.length() > 60 ? key.substring(0, 60) + "..." : key;
        String rename = RENAMES.get(key);
        if (rename != null && known.contains(rename)) {
            return "unknown field '" + shown + "' in " + where + "; Sluice calls it '" + rename + "'";
        }
        String hint = Names.hint(key, known);
        if (hint.isEmpty() && where.equals("the DAG") && TaskReader.DEFAULT_ARGS_FIELDS.contains(key)) {
            return "unknown field '" + shown + "' in the DAG; task settings go on each task or under default_args";
        }
        return "unknown field '" + shown + "' in " + where + hint;
    }

    static boolean isNull(Field f) {
        return f == null || (f.value() instanceof Scalar s && s.value() == null);
    }

    private void typeError(Field f, String expected) {
        error(f.value().at(), f.key() + " must be " + expected + ", got " + f.value().describe());
    }

    String string(Field f) {
        if (isNull(f)) {
            return null;
        }
        if (f.value() instanceof Scalar s && s.value() instanceof String str) {
            return str;
        }
        typeError(f, "a string");
        return null;
    }

    /** A string, or a number/boolean taken as its text (ids and names written unquoted). */
    String text(Field f) {
        if (isNull(f)) {
            return null;
        }
        if (f.value() instanceof Scalar s) {
            return s.value().toString();
        }
        typeError(f, "a string");
        return null;
    }

    Integer integer(Field f, long min, long max) {
        if (isNull(f)) {
            return null;
        }
        Object v = f.value() instanceof Scalar s ? s.value() : null;
        BigInteger n = null;
        if (v instanceof Integer || v instanceof Long) {
            n = BigInteger.valueOf(((Number) v).longValue());
        } else if (v instanceof BigInteger b) {
            n = b;
        } else if (v instanceof String str && str.strip().matches("-?\\d{1,30}")) {
            n = new BigInteger(str.strip());
        }
        if (n == null) {
            typeError(f, "an integer");
            return null;
        }
        String shown = n.toString().length() > 30 ? n.toString().substring(0, 30) + "..." : n.toString();
        if (n.compareTo(BigInteger.valueOf(min)) < 0) {
            error(f.value().at(), f.key() + " must be >= " + min + ", got " + shown);
            return null;
        }
        if (n.compareTo(BigInteger.valueOf(max)) > 0) {
            error(f.value().at(), f.key() + " must be at most " + max + ", got " + shown);
            return null;
        }
        return n.intValue();
    }

    Double number(Field f) {
        if (isNull(f)) {
            return null;
        }
        Object v = f.value() instanceof Scalar s ? s.value() : null;
        if (v instanceof Number n && !(v instanceof BigInteger)) {
            double d = n.doubleValue();
            if (Double.isFinite(d)) {
                return d;
            }
        }
        typeError(f, "a finite number");
        return null;
    }

    Boolean bool(Field f) {
        if (isNull(f)) {
            return null;
        }
        if (f.value() instanceof Scalar s) {
            if (s.value() instanceof Boolean b) {
                return b;
            }
            if (s.value() instanceof String str) {
                switch (str.strip().toLowerCase(java.util.Locale.ROOT)) {
                    case "true": case "yes": case "on":
                        return true;
                    case "false": case "no": case "off":
                        return false;
                    default:
                        break;
                }
            }
        }
        typeError(f, "true or false");
        return null;
    }

    Duration duration(Field f) {
        if (isNull(f)) {
            return null;
        }
        Object v = f.value() instanceof Scalar s ? s.value() : null;
        if (v instanceof Integer || v instanceof Long) {
            long secs = ((Number) v).longValue();
            if (secs < 0) {
                error(f.value().at(), f.key() + ": duration must not be negative, got " + secs);
                return null;
            }
            return Duration.ofSeconds(secs);
        }
        if (v instanceof String str) {
            try {
                return Durations.parse(str);
            } catch (IllegalArgumentException e) {
                error(f.value().at(), f.key() + ": " + e.getMessage());
                return null;
            }
        }
        typeError(f, "a duration (" + Durations.FORMS + ")");
        return null;
    }

    MapNode map(Field f) {
        if (isNull(f)) {
            return null;
        }
        if (f.value() instanceof MapNode m) {
            return m;
        }
        typeError(f, "a mapping");
        return null;
    }

    ListNode list(Field f) {
        if (isNull(f)) {
            return null;
        }
        if (f.value() instanceof ListNode l) {
            return l;
        }
        typeError(f, "a list");
        return null;
    }

    /** A list of strings; a single string counts as a one-item list when {@code single} is true. */
    List<String> strings(Field f, boolean single) {
        if (isNull(f)) {
            return null;
        }
        if (single && f.value() instanceof Scalar s && s.value() instanceof String str) {
            return List.of(str);
        }
        if (!(f.value() instanceof ListNode l)) {
            typeError(f, single ? "a string or a list of strings" : "a list of strings");
            return null;
        }
        List<String> out = new ArrayList<>();
        for (Node n : l.items()) {
            if (n instanceof Scalar s && s.value() != null && !(s.value() instanceof Boolean)) {
                out.add(s.value().toString());
            } else {
                error(n.at(), f.key() + " entries must be strings, got " + n.describe());
            }
        }
        return out;
    }

    /** The value as plain Java data (for params, expand items, default_args). */
    @SuppressWarnings("unchecked")
    Map<String, Object> plainMap(Field f) {
        MapNode m = map(f);
        return m == null ? null : (Map<String, Object>) SpecTree.plain(m);
    }
}
