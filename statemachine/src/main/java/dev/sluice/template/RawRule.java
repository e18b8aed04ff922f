package dev.sluice.template;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where {@code | raw} may stand: only as the last filter of a whole expression. In Jinja a filter binds tighter
 * than any operator, so in {@code {{ a ~ b | raw }}} raw applies to {@code b} alone; pasting the whole output as
 * shell there would paste {@code a} too, which nobody opted out for. Such an expression is refused, at
 * {@code validate} time ({@link #problems}) and when it renders.
 *
 * <pre>{@code
 * {{ params.flags | raw }}          ok: pasted as shell text
 * {{ params.flags | trim | raw }}   ok
 * {{ (a ~ b) | raw }}               ok: the parentheses make it one expression
 * {{ a ~ b | raw }}                 refused
 * {{ x | raw | upper }}             refused
 * {{ f(x | raw) }}                  refused
 * }</pre>
 */
public final class RawRule {

    /** How an output expression uses raw. */
    public enum Use { NONE, WHOLE, MISPLACED }

    private static final Pattern RAW = Pattern.compile("\\|\\s*raw\\b");
    private static final Pattern TRAILING_RAW = Pattern.compile("(?s)(.*\\S)\\s*\\|\\s*raw\\s*");
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private RawRule() {
    }

    /** Classifies one output expression (the text between {@code {{} and {@code }}}). */
    public static Use classify(String expr) {
        String code = blankStrings(expr);
        if (!RAW.matcher(code).find()) {
            return Use.NONE;
        }
        Matcher m = TRAILING_RAW.matcher(code);
        if (!m.matches()) {
            return Use.MISPLACED;
        }
        String base = m.group(1);
        if (RAW.matcher(base).find()) {
            return Use.MISPLACED;
        }
        List<String> parts = topLevelPipes(base);
        if (parts == null || !isPrimary(parts.get(0).strip())) {
            return Use.MISPLACED;
        }
        for (String filter : parts.subList(1, parts.size())) {
            if (!isFilter(filter.strip())) {
                return Use.MISPLACED;
            }
        }
        return Use.WHOLE;
    }

    /** The expression without its trailing {@code | raw}; only for {@link Use#WHOLE}. */
    static String withoutRaw(String expr) {
        String code = blankStrings(expr);
        Matcher m = TRAILING_RAW.matcher(code);
        if (!m.matches()) {
            throw new IllegalArgumentException("no trailing raw in " + expr);
        }
        return expr.substring(0, m.end(1));
    }

    /** A sentence for a misplaced raw in {@code {{ expr }}}. */
    public static String message(String expr) {
        return "'| raw' applies only to a whole expression, as its last filter, so {{ " + expr.strip()
                + " }} is refused (a filter binds tighter than ~, + or if: raw would cover one operand, "
                + "not the value pasted); put the expression in parentheses, {{ (a ~ b) | raw }}, or drop raw";
    }

    /**
     * The misplaced raws of a template, one message per {@code {{ }}}, each starting with {@code line N: } when
     * the template has more than one line.
     */
    public static List<String> problems(String template) {
        List<String> out = new ArrayList<>();
        if (template == null) {
            return out;
        }
        int i = 0;
        while ((i = template.indexOf("{{", i)) >= 0) {
            int end = closing(template, i + 2);
            if (end < 0) {
                break;
            }
            String expr = template.substring(i + 2, end);
            if (expr.startsWith("-")) {
                expr = expr.substring(1);
            }
            if (expr.endsWith("-")) {
                expr = expr.substring(0, expr.length() - 1);
            }
            if (classify(expr) == Use.MISPLACED) {
                int line = 1 + (int) template.substring(0, i).chars().filter(c -> c == '\n').count();
                boolean multi = template.indexOf('\n') >= 0;
                out.add((multi ? "line " + line + " of the command: " : "") + message(expr));
            }
            i = end + 2;
        }
        return out;
    }

    /** The index of the {@code }}} that closes an output, skipping string literals; -1 if none. */
    private static int closing(String t, int from) {
        char quote = 0;
        for (int i = from; i < t.length(); i++) {
            char c = t.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '}' && i + 1 < t.length() && t.charAt(i + 1) == '}') {
                return i;
            }
        }
        return -1;
    }

    /** Replaces the content of string literals by spaces, keeping offsets. */
    private static String blankStrings(String expr) {
        StringBuilder b = new StringBuilder(expr);
        char quote = 0;
        for (int i = 0; i < b.length(); i++) {
            char c = b.charAt(i);
            if (quote != 0) {
                if (c == '\\' && i + 1 < b.length()) {
                    b.setCharAt(i, ' ');
                    b.setCharAt(++i, ' ');
                } else if (c == quote) {
                    quote = 0;
                } else {
                    b.setCharAt(i, ' ');
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            }
        }
        return b.toString();
    }

    /** Splits at {@code |} outside brackets; null when the brackets do not balance. */
    private static List<String> topLevelPipes(String code) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < code.length(); i++) {
            char c = code.charAt(i);
            if ("([{".indexOf(c) >= 0) {
                depth++;
            } else if (")]}".indexOf(c) >= 0) {
                if (--depth < 0) {
                    return null;
                }
            } else if (c == '|' && depth == 0) {
                parts.add(code.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(code.substring(start));
        return depth == 0 ? parts : null;
    }

    /** A variable, attribute, call, subscript, literal or parenthesised group: nothing at top level but those. */
    private static boolean isPrimary(String code) {
        if (code.isEmpty()) {
            return false;
        }
        int depth = 0;
        for (int i = 0; i < code.length(); i++) {
            char c = code.charAt(i);
            if ("([{".indexOf(c) >= 0) {
                depth++;
            } else if (")]}".indexOf(c) >= 0) {
                depth--;
            } else if (depth == 0 && !(Character.isLetterOrDigit(c) || c == '_' || c == '.' || c == '\''
                    || c == '"' || c == ' ' && inString(code, i))) {
                return false;
            }
        }
        return true;
    }

    /** Blanked string content shows as spaces between two quotes. */
    private static boolean inString(String code, int i) {
        int q = 0;
        for (int k = 0; k < i; k++) {
            if (code.charAt(k) == '\'' || code.charAt(k) == '"') {
                q++;
            }
        }
        return q % 2 == 1;
    }

    /** {@code name} or {@code name(args)}. */
    private static boolean isFilter(String code) {
        int paren = code.indexOf('(');
        String name = paren < 0 ? code : code.substring(0, paren).strip();
        if (!NAME.matcher(name).matches()) {
            return false;
        }
        if (paren < 0) {
            return true;
        }
        int depth = 0;
        for (int i = paren; i < code.length(); i++) {
            char c = code.charAt(i);
            if ("([{".indexOf(c) >= 0) {
                depth++;
            } else if (")]}".indexOf(c) >= 0 && --depth == 0) {
                return i == code.length() - 1;
            }
        }
        return false;
    }
}
