package dev.sluice.template;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;

/**
 * Second pass of {@link TemplateRenderer#renderCommand}: the first pass renders every non-raw {@code {{ }}} output
 * as an opaque placeholder; this pass walks the command with a small POSIX shell lexer and replaces each
 * placeholder with the value quoted for the lexical context it sits in:
 * <ul>
 *   <li>plain code, or inside {@code $( )}: {@code 'value'} (one word);</li>
 *   <li>inside {@code "..."}: the double quote is closed, the single-quoted value inserted and the double quote
 *       reopened ({@code "a{{ x }}b"} becomes {@code "a"'x y'"b"}), so the word's value is exactly the data;</li>
 *   <li>inside {@code '...'}: the same with single quotes ({@code 'a'x'b'});</li>
 *   <li>inside a {@code #} comment: quoted with line breaks turned into spaces, so a newline cannot end the
 *       comment.</li>
 * </ul>
 * Contexts where no quoting is reliable are rejected with a {@link TemplateException}: backticks, {@code ${...}},
 * {@code $'...'}, heredoc bodies and right after a backslash. Use an environment variable or {@code | raw} there.
 * A template whose quotes or {@code $(} do not balance is rejected too, since its context cannot be known.
 * Known limitation: an unparenthesised {@code case} pattern ({@code a)}) inside {@code $( )} ends the substitution
 * for this lexer (as in old shells); write {@code (a)} there.
 */
final class ShellAssembler {

    static final char START = '\uE000';
    static final char END = '\uE001';

    private enum Kind { TOP, CMDSUB, PARAM, SQ, DQ, ANSI, BQ, COMMENT }

    private static final class Frame {
        final Kind kind;
        int depth;

        Frame(Kind kind) {
            this.kind = kind;
        }
    }

    private record Heredoc(String delimiter, boolean stripTabs) {
    }

    private ShellAssembler() {
    }

    /** Starts a {@code | raw} value: spliced into the command as shell syntax before lexing. */
    static final char RAW_START = '\uE002';

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

    /** Splices {@code | raw} values in as plain text (values they embed stay placeholders). */
    static String expandRaw(String s) {
        if (s.indexOf(RAW_START) < 0) {
            return s;
        }
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == RAW_START) {
                int end = s.indexOf(END, i);
                if (end < 0) {
                    throw new TemplateException("corrupted template value marker");
                }
                out.append(expandRaw(decodeHex(s.substring(i + 1, end))));
                i = end + 1;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static String decodeHex(String hex) {
        try {
            return new String(HexFormat.of().parseHex(hex.toLowerCase(java.util.Locale.ROOT)), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new TemplateException("corrupted template value marker", e);
        }
    }

    /** Replaces every placeholder in {@code s} by its plain value (used for values that embed other values). */
    static String decodeAll(String s) {
        if (s.indexOf(START) < 0 && s.indexOf(RAW_START) < 0) {
            return s;
        }
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == START || c == RAW_START) {
                int end = s.indexOf(END, i);
                if (end < 0) {
                    throw new TemplateException("corrupted template value marker");
                }
                out.append(decode(s.substring(i + 1, end)));
                i = end + 1;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static String decode(String hex) {
        return decodeAll(decodeHex(hex));
    }

    static String assemble(String rendered, String template) {
        String s = expandRaw(rendered);
        if (s.indexOf(START) < 0) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length() + 16);
        Deque<Frame> stack = new ArrayDeque<>();
        stack.push(new Frame(Kind.TOP));
        List<Heredoc> pending = new ArrayList<>();
        int n = s.length();
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            Frame f = stack.peek();
            if (c == START) {
                int end = s.indexOf(END, i);
                if (end < 0) {
                    throw new TemplateException("corrupted template value marker");
                }
                String value = decode(s.substring(i + 1, end));
                out.append(place(f.kind, value, template));
                i = end + 1;
                continue;
            }
            if (c == '\\' && f.kind != Kind.SQ && f.kind != Kind.COMMENT) {
                if (i + 1 < n && s.charAt(i + 1) == START) {
                    throw unsafe(template, "directly after a backslash");
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
                case DQ -> {
                    if (c == '"') {
                        stack.pop();
                        out.append(c);
                        i++;
                    } else if (c == '`') {
                        stack.push(new Frame(Kind.BQ));
                        out.append(c);
                        i++;
                    } else if (c == '$' && i + 1 < n && (s.charAt(i + 1) == '(' || s.charAt(i + 1) == '{')) {
                        stack.push(new Frame(s.charAt(i + 1) == '(' ? Kind.CMDSUB : Kind.PARAM));
                        out.append(c).append(s.charAt(i + 1));
                        i += 2;
                    } else {
                        out.append(c);
                        i++;
                    }
                }
                default -> i = code(s, i, f, stack, pending, out, template);
            }
        }
        if (stack.size() != 1) {
            throw new TemplateException("cannot render command template '" + abbreviate(template)
                    + "': it has an unterminated quote, $( or ${, so values cannot be quoted safely");
        }
        return out.toString();
    }

    /** One step in code context (TOP, CMDSUB, PARAM); returns the next index. */
    private static int code(String s, int i, Frame f, Deque<Frame> stack, List<Heredoc> pending, StringBuilder out,
                            String template) {
        int n = s.length();
        char c = s.charAt(i);
        char next = i + 1 < n ? s.charAt(i + 1) : 0;
        switch (c) {
            case '\'' -> stack.push(new Frame(Kind.SQ));
            case '"' -> stack.push(new Frame(Kind.DQ));
            case '`' -> stack.push(new Frame(Kind.BQ));
            case '$' -> {
                if (next == '\'' || next == '(' || next == '{') {
                    stack.push(new Frame(next == '\'' ? Kind.ANSI : next == '(' ? Kind.CMDSUB : Kind.PARAM));
                    out.append(c).append(next);
                    return i + 2;
                }
            }
            case '(' -> {
                if (f.kind == Kind.CMDSUB) {
                    f.depth++;
                }
            }
            case ')' -> {
                if (f.kind == Kind.CMDSUB) {
                    if (f.depth == 0) {
                        stack.pop();
                    } else {
                        f.depth--;
                    }
                }
            }
            case '}' -> {
                if (f.kind == Kind.PARAM) {
                    stack.pop();
                }
            }
            case '#' -> {
                if (f.kind != Kind.PARAM && (i == 0 || " \t\n;&|()<>".indexOf(s.charAt(i - 1)) >= 0)) {
                    stack.push(new Frame(Kind.COMMENT));
                }
            }
            case '<' -> {
                if (next == '<' && f.kind != Kind.PARAM) {
                    if (i + 2 < n && s.charAt(i + 2) == '<') {
                        out.append("<<<");
                        return i + 3;
                    }
                    return heredocOperator(s, i, pending, out, template);
                }
            }
            case '\n' -> {
                out.append(c);
                if (!pending.isEmpty()) {
                    int j = heredocBodies(s, i + 1, pending, out, template);
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

    private static int heredocOperator(String s, int i, List<Heredoc> pending, StringBuilder out, String template) {
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
        while (j < n) {
            char c = s.charAt(j);
            if (c == START) {
                throw unsafe(template, "as a heredoc delimiter");
            }
            if (c == '\'' || c == '"') {
                int close = s.indexOf(c, j + 1);
                if (close < 0) {
                    break;
                }
                delim.append(s, j + 1, close);
                j = close + 1;
            } else if (c == '\\' && j + 1 < n) {
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
            throw unsafe(template, "as a heredoc delimiter");
        }
        pending.add(new Heredoc(delim.toString(), strip));
        out.append(s, i, j);
        return j;
    }

    private static int heredocBodies(String s, int j, List<Heredoc> pending, StringBuilder out, String template) {
        int n = s.length();
        for (Heredoc h : pending) {
            while (j < n) {
                int eol = s.indexOf('\n', j);
                int lineEnd = eol < 0 ? n : eol;
                String line = s.substring(j, lineEnd);
                if (line.indexOf(START) >= 0) {
                    throw unsafe(template, "inside a heredoc body");
                }
                out.append(line);
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

    private static String place(Kind kind, String value, String template) {
        return switch (kind) {
            case TOP, CMDSUB -> ShellQuote.quote(value);
            case DQ -> "\"" + ShellQuote.quote(value) + "\"";
            case SQ -> "'" + ShellQuote.quote(value) + "'";
            case COMMENT -> ShellQuote.quote(value.replace('\n', ' ').replace('\r', ' '));
            case BQ -> throw unsafe(template, "inside backticks (use $( ) instead)");
            case PARAM -> throw unsafe(template, "inside ${...}");
            case ANSI -> throw unsafe(template, "inside $'...'");
        };
    }

    private static TemplateException unsafe(String template, String where) {
        return new TemplateException("cannot render command template '" + abbreviate(template)
                + "': a template value " + where + " cannot be shell-quoted safely; pass it through an environment "
                + "variable, move it outside, or opt out with | raw");
    }

    static String abbreviate(String template) {
        String t = template.replace("\n", "\\n");
        return t.length() <= 120 ? t : t.substring(0, 117) + "...";
    }
}
