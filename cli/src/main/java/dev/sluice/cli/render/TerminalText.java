package dev.sluice.cli.render;

/**
 * Makes untrusted text (task errors, outputs, messages that quote files or conf) safe to print on a terminal:
 * control characters (C0 but line feeds, DEL, C1) and the Unicode bidirectional overrides become visible escapes
 * ({@code \x1b}, {@code \u202e}), so an ANSI sequence in a task's stderr cannot clear the screen, move the cursor or
 * disguise what is shown. Every place that prints such text goes through {@link #safe} or {@link #oneLine}.
 */
public final class TerminalText {
    private TerminalText() {
    }

    /** {@code s} with every control character but {@code \n} escaped; null stays null. */
    public static String safe(String s) {
        if (s == null) {
            return null;
        }
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String esc = escape(c);
            if (esc != null && b == null) {
                b = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            if (b != null) {
                if (esc != null) {
                    b.append(esc);
                } else {
                    b.append(c);
                }
            }
        }
        return b == null ? s : b.toString();
    }

    /** The first line of {@code s}, escaped, cut at {@code max} characters with "...". */
    public static String oneLine(String s, int max) {
        String first = s == null ? "" : s.lines().findFirst().orElse("");
        String cut = first.length() > max ? first.substring(0, max) + "..." : first;
        return safe(cut);
    }

    private static String escape(char c) {
        if (c == '\n') {
            return null;
        } else if (c == '\t') {
            return "\\t";
        } else if (c == '\r') {
            return "\\r";
        } else if (c < 0x20 || c == 0x7f) {
            return String.format("\\x%02x", (int) c);
        } else if ((c >= 0x80 && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) {
            return String.format("\\u%04x", (int) c);
        }
        return null;
    }
}
