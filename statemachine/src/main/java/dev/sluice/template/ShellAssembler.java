package dev.sluice.template;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Second pass of {@link TemplateRenderer#renderCommand}: the first pass renders every non-raw {@code {{ }}} output
 * as an opaque placeholder; this pass replaces each placeholder by a reference to an environment variable
 * ({@code SLUICE_V_1}, {@code SLUICE_V_2}, ...) that holds the value, and returns the script with the values
 * beside it ({@link ShellCommand}). No value is ever part of the script text.
 *
 * <p>A small POSIX shell lexer picks the spelling of the reference so that the value arrives as one word, unsplit:
 * <ul>
 *   <li>plain code, {@code $( )}, backticks, {@code ${X:-word}}, a comment: {@code "${SLUICE_V_1}"};</li>
 *   <li>inside {@code "..."} or an unquoted heredoc body: {@code ${SLUICE_V_1}};</li>
 *   <li>inside {@code '...'}: the quote is closed around it, {@code '"${SLUICE_V_1}"'}; inside {@code $'...'}
 *       likewise, {@code '"${SLUICE_V_1}"$'};</li>
 *   <li>inside {@code $(( ))}, {@code (( ))}, {@code $[ ]}, a {@code ${a[i]}} subscript or a {@code ${s:off}}
 *       offset: {@code ${SLUICE_V_1}}, and the value must be a decimal integer, because bash evaluates an
 *       arithmetic operand as an expression (and {@code a[$(cmd)]} there runs {@code cmd}).</li>
 * </ul>
 * The safety does not depend on the guess: whatever the reference is taken for, the shell only ever expands a
 * variable, and an expansion's result is never parsed again as shell (outside eval-like constructs the script
 * itself chooses). A wrong guess can at worst change how the value is split, or leave the reference literal.
 * Refused, since the value could not arrive at all: a placeholder in the body of a heredoc whose delimiter is
 * quoted, in a heredoc delimiter, or right after a backslash; a template whose quotes do not balance.
 */
final class ShellAssembler {

    static final char START = '\uE000';
    static final char END = '\uE001';
    /** Starts a {@code | raw} value: spliced into the command as shell syntax before lexing. */
    static final char RAW_START = '\uE002';

    private static final Pattern INTEGER = Pattern.compile("[+-]?[0-9]+");

    private enum Kind { TOP, CMDSUB, PARAM, ARITH, SQ, DQ, ANSI, BQ, COMMENT }

    private static final class Frame {
        final Kind kind;
        /** ARITH: closed by {@code ]} ({@code $[ ]}) rather than {@code ))}. */
        final boolean bracket;
        int depth;
        /** PARAM: characters seen after the brace. */
        int pos;
        /** PARAM: the operator after the name has been seen. */
        boolean operatorSeen;
        /** PARAM: inside a subscript or an offset, which bash evaluates as arithmetic. */
        boolean arith;

        Frame(Kind kind) {
            this(kind, false);
        }

        Frame(Kind kind, boolean bracket) {
            this.kind = kind;
            this.bracket = bracket;
        }
    }

    private record Heredoc(String delimiter, boolean stripTabs, boolean quoted) {
    }

    private final String s;
    private final String template;
    private final StringBuilder out;
    private final Deque<Frame> stack = new ArrayDeque<>();
    private final List<Heredoc> pending = new ArrayList<>();
    private final Map<String, String> values = new LinkedHashMap<>();

    private ShellAssembler(String s, String template) {
        this.s = s;
        this.template = template;
        this.out = new StringBuilder(s.length() + 16);
    }

    static String encode(String value) {
        return START + hex(value) + END;
    }

    static String encodeRaw(String value) {
        return RAW_START + hex(value) + END;
    }

    private static String hex(String value) {
        return HexFormat.of().formatHex(value.getBytes(StandardCharsets.UTF_8));
    }

    static boolean containsMarker(String s) {
        return s.indexOf(START) >= 0 || s.indexOf(END) >= 0 || s.indexOf(RAW_START) >= 0;
    }

    /** Splices {@code | raw} values in as plain text; values they embed (from a captured block) stay values. */
    private static String expandRaw(String s) {
        if (s.indexOf(RAW_START) < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == RAW_START) {
                int end = s.indexOf(END, i);
                if (end < 0) {
                    throw new TemplateException("corrupted template value marker");
                }
                b.append(expandRaw(decodeHex(s.substring(i + 1, end))));
                i = end + 1;
            } else {
                b.append(c);
                i++;
            }
        }
        return b.toString();
    }

    private static String decodeHex(String hex) {
        try {
            return new String(HexFormat.of().parseHex(hex.toLowerCase(Locale.ROOT)), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new TemplateException("corrupted template value marker", e);
        }
    }

    /** Replaces every placeholder in {@code s} by its plain value (a value that embeds values from a block). */
    static String decodeAll(String s) {
        if (s.indexOf(START) < 0 && s.indexOf(RAW_START) < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == START || c == RAW_START) {
                int end = s.indexOf(END, i);
                if (end < 0) {
                    throw new TemplateException("corrupted template value marker");
                }
                b.append(decodeAll(decodeHex(s.substring(i + 1, end))));
                i = end + 1;
            } else {
                b.append(c);
                i++;
            }
        }
        return b.toString();
    }

    static ShellCommand assemble(String rendered, String template) {
        return new ShellAssembler(expandRaw(rendered), template).run();
    }

    private ShellCommand run() {
        stack.push(new Frame(Kind.TOP));
        int n = s.length();
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            Frame f = stack.peek();
            if (c == START) {
                i = placeholder(i, f.kind == Kind.PARAM && f.arith ? Kind.ARITH : f.kind);
                continue;
            }
            if (c == '\\' && f.kind != Kind.SQ && f.kind != Kind.COMMENT) {
                if (i + 1 < n && s.charAt(i + 1) == START) {
                    throw refused("directly after a backslash");
                }
                out.append(c);
                if (i + 1 < n) {
                    out.append(s.charAt(i + 1));
                }
                i += 2;
                continue;
            }
            switch (f.kind) {
                case SQ, ANSI -> {
                    if (c == '\'') {
                        stack.pop();
                    }
                    out.append(c);
                    i++;
                }
                case BQ -> {
                    if (c == '`') {
                        stack.pop();
                    }
                    out.append(c);
                    i++;
                }
                case COMMENT -> {
                    if (c == '\n') {
                        stack.pop(); // the newline is handled as code (it may start a heredoc body)
                    } else {
                        out.append(c);
                        i++;
                    }
                }
                case DQ -> i = doubleQuoted(i);
                default -> i = code(i, f);
            }
        }
        if (stack.peek().kind == Kind.COMMENT) {
            stack.pop(); // a comment on the last line
        }
        if (stack.size() != 1) {
            throw new TemplateException("cannot render command template '" + abbreviate(template)
                    + "': it has an unterminated quote, $(, $(( or ${, so where its values go cannot be known");
        }
        return new ShellCommand(out.toString(), values);
    }

    /** Emits the reference for the placeholder at {@code i}; returns the index after it. */
    private int placeholder(int i, Kind kind) {
        int end = s.indexOf(END, i);
        if (end < 0) {
            throw new TemplateException("corrupted template value marker");
        }
        String value = decodeAll(decodeHex(s.substring(i + 1, end)));
        out.append(reference(kind, value));
        return end + 1;
    }

    private String reference(Kind kind, String value) {
        if (value.indexOf('\0') >= 0) {
            throw new TemplateException("cannot render command template '" + abbreviate(template)
                    + "': a value contains a NUL character, which no environment variable can hold");
        }
        if (kind == Kind.ARITH && !INTEGER.matcher(value).matches()) {
            throw new TemplateException("cannot render command template '" + abbreviate(template)
                    + "': a value used in shell arithmetic must be a decimal integer, got " + quoted(value)
                    + " (bash evaluates an arithmetic operand as an expression, which can run commands)");
        }
        String name = ShellCommand.PREFIX + (values.size() + 1);
        values.put(name, value);
        String ref = "${" + name + "}";
        return switch (kind) {
            case TOP, CMDSUB, BQ, PARAM, COMMENT -> "\"" + ref + "\"";
            case DQ, ARITH -> ref;
            case SQ -> "'\"" + ref + "\"'";
            case ANSI -> "'\"" + ref + "\"$'";
        };
    }

    private int doubleQuoted(int i) {
        int n = s.length();
        char c = s.charAt(i);
        if (c == '"') {
            stack.pop();
        } else if (c == '`') {
            stack.push(new Frame(Kind.BQ));
        } else if (c == '$' && i + 2 < n && s.charAt(i + 1) == '(' && s.charAt(i + 2) == '(') {
            stack.push(new Frame(Kind.ARITH));
            out.append("$((");
            return i + 3;
        } else if (c == '$' && i + 1 < n && "({[".indexOf(s.charAt(i + 1)) >= 0) {
            char next = s.charAt(i + 1);
            stack.push(next == '(' ? new Frame(Kind.CMDSUB) : next == '{' ? new Frame(Kind.PARAM)
                    : new Frame(Kind.ARITH, true));
            out.append(c).append(next);
            return i + 2;
        }
        out.append(c);
        return i + 1;
    }

    /** One step in code context (TOP, CMDSUB, PARAM, ARITH); returns the next index. */
    private int code(int i, Frame f) {
        int n = s.length();
        char c = s.charAt(i);
        char next = i + 1 < n ? s.charAt(i + 1) : 0;
        if (f.kind == Kind.PARAM && !f.operatorSeen && param(c, next, f)) {
            out.append(c);
            return i + 1;
        }
        switch (c) {
            case '\'' -> stack.push(new Frame(Kind.SQ));
            case '"' -> stack.push(new Frame(Kind.DQ));
            case '`' -> stack.push(new Frame(Kind.BQ));
            case '$' -> {
                if (next == '(' && i + 2 < n && s.charAt(i + 2) == '(') {
                    stack.push(new Frame(Kind.ARITH));
                    out.append("$((");
                    return i + 3;
                }
                if (next == '\'' || next == '(' || next == '{' || next == '[') {
                    stack.push(switch (next) {
                        case '\'' -> new Frame(Kind.ANSI);
                        case '(' -> new Frame(Kind.CMDSUB);
                        case '{' -> new Frame(Kind.PARAM);
                        default -> new Frame(Kind.ARITH, true);
                    });
                    out.append(c).append(next);
                    return i + 2;
                }
            }
            case '(' -> {
                if (next == '(' && f.kind != Kind.ARITH && f.kind != Kind.PARAM && atCommandStart(i)) {
                    stack.push(new Frame(Kind.ARITH));
                    out.append("((");
                    return i + 2;
                }
                if (f.kind == Kind.CMDSUB || f.kind == Kind.ARITH) {
                    f.depth++;
                }
            }
            case ')' -> {
                if (f.kind == Kind.CMDSUB || f.kind == Kind.ARITH && !f.bracket) {
                    if (f.depth > 0) {
                        f.depth--;
                    } else if (f.kind == Kind.CMDSUB) {
                        stack.pop();
                    } else if (next == ')') {
                        stack.pop();
                        out.append("))");
                        return i + 2;
                    }
                }
            }
            case ']' -> {
                if (f.kind == Kind.ARITH && f.bracket && f.depth == 0) {
                    stack.pop();
                }
            }
            case '}' -> {
                if (f.kind == Kind.PARAM) {
                    stack.pop();
                }
            }
            case '#' -> {
                if (f.kind != Kind.PARAM && f.kind != Kind.ARITH
                        && (i == 0 || " \t\n;&|()<>".indexOf(s.charAt(i - 1)) >= 0)) {
                    stack.push(new Frame(Kind.COMMENT));
                }
            }
            case '<' -> {
                if (next == '<' && f.kind != Kind.PARAM && f.kind != Kind.ARITH) {
                    if (i + 2 < n && s.charAt(i + 2) == '<') {
                        out.append("<<<");
                        return i + 3;
                    }
                    return heredocOperator(i);
                }
            }
            case '\n' -> {
                out.append(c);
                if (!pending.isEmpty()) {
                    int j = heredocBodies(i + 1);
                    pending.clear();
                    return j;
                }
                return i + 1;
            }
            default -> {
            }
        }
        out.append(c);
        return i + 1;
    }

    /**
     * The part of {@code ${...}} before its operator: a name, a {@code [subscript]} (arithmetic in bash), then
     * {@code :offset} (arithmetic) or another operator ({@code :-}, {@code -}, {@code #}, ...). Returns true when
     * {@code c} was consumed here.
     */
    private static boolean param(char c, char next, Frame f) {
        if (f.arith) {
            if (c == ']' && f.depth == 0) {
                f.arith = false;
                return true;
            }
            return false;
        }
        boolean first = f.pos++ == 0;
        if (Character.isLetterOrDigit(c) || c == '_' || first && "#!?@*$".indexOf(c) >= 0) {
            return true;
        }
        if (c == '[') {
            f.arith = true;
            return true;
        }
        f.operatorSeen = true;
        if (c == ':' && "-=?+".indexOf(next) < 0) {
            f.arith = true; // ${s:offset:length}
            return true;
        }
        return false;
    }

    private boolean atCommandStart(int i) {
        int j = i - 1;
        while (j >= 0 && (s.charAt(j) == ' ' || s.charAt(j) == '\t')) {
            j--;
        }
        return j < 0 || "\n;&|(".indexOf(s.charAt(j)) >= 0;
    }

    private int heredocOperator(int i) {
        int n = s.length();
        int j = i + 2;
        boolean strip = j < n && s.charAt(j) == '-';
        if (strip) {
            j++;
        }
        while (j < n && (s.charAt(j) == ' ' || s.charAt(j) == '\t')) {
            j++;
        }
        StringBuilder delim = new StringBuilder();
        boolean quoted = false;
        while (j < n) {
            char c = s.charAt(j);
            if (c == START) {
                throw refused("as a heredoc delimiter");
            }
            if (c == '\'' || c == '"') {
                int close = s.indexOf(c, j + 1);
                if (close < 0) {
                    break;
                }
                quoted = true;
                delim.append(s, j + 1, close);
                j = close + 1;
            } else if (c == '\\' && j + 1 < n) {
                quoted = true;
                delim.append(s.charAt(j + 1));
                j += 2;
            } else if (Character.isWhitespace(c) || ";&|<>()".indexOf(c) >= 0) {
                break;
            } else {
                delim.append(c);
                j++;
            }
        }
        if (delim.indexOf(String.valueOf(START)) >= 0) {
            throw refused("as a heredoc delimiter");
        }
        pending.add(new Heredoc(delim.toString(), strip, quoted));
        out.append(s, i, j);
        return j;
    }

    private int heredocBodies(int j) {
        int n = s.length();
        for (Heredoc h : pending) {
            while (j < n) {
                int eol = s.indexOf('\n', j);
                int lineEnd = eol < 0 ? n : eol;
                String line = s.substring(j, lineEnd);
                if (line.indexOf(START) >= 0 && h.quoted()) {
                    throw refused("inside the body of a heredoc with a quoted delimiter (the shell expands "
                            + "nothing there; write <<" + h.delimiter() + " without quotes)");
                }
                for (int k = 0; k < line.length(); ) {
                    if (line.charAt(k) == START) {
                        int end = line.indexOf(END, k);
                        if (end < 0) {
                            throw new TemplateException("corrupted template value marker");
                        }
                        out.append(reference(Kind.DQ, decodeAll(decodeHex(line.substring(k + 1, end)))));
                        k = end + 1;
                    } else {
                        out.append(line.charAt(k++));
                    }
                }
                if (eol >= 0) {
                    out.append('\n');
                }
                j = eol < 0 ? n : eol + 1;
                String cmp = h.stripTabs() ? line.replaceFirst("^\t+", "") : line;
                if (cmp.equals(h.delimiter())) {
                    break;
                }
            }
        }
        return j;
    }

    private TemplateException refused(String where) {
        return new TemplateException("cannot render command template '" + abbreviate(template)
                + "': a template value " + where + " cannot reach the command; move it elsewhere");
    }

    private static String quoted(String value) {
        String v = value.length() <= 40 ? value : value.substring(0, 37) + "...";
        return "'" + v.replace("\n", "\\n") + "'";
    }

    static String abbreviate(String template) {
        String t = template.replace("\n", "\\n");
        return t.length() <= 120 ? t : t.substring(0, 117) + "...";
    }
}
