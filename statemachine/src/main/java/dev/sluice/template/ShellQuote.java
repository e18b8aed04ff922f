package dev.sluice.template;

import java.util.regex.Pattern;

/**
 * POSIX shell quoting. {@link #quote(String)} turns any string into exactly one shell word whose value is the
 * string itself. Template values in commands do not go through here: they reach the shell as environment
 * variables ({@link ShellCommand}). {@link #isSafe} decides which foreach items may stay plain words in a command.
 *
 * <pre>{@code
 * ShellQuote.quote("orders")          // orders            (safe token, left bare)
 * ShellQuote.quote("a b")             // 'a b'
 * ShellQuote.quote("$(touch pwned)")  // '$(touch pwned)'
 * ShellQuote.quote("it's")            // 'it'\''s'
 * ShellQuote.quote("")                // ''
 * }</pre>
 *
 * Tokens made only of {@code [A-Za-z0-9_./:@%+,-]} are left unquoted: none of them is special to the shell in any
 * position. {@code =} is deliberately not in the set, because a bare {@code NAME=value} in command position is a
 * variable assignment. Note that quoting stops <em>shell</em> injection, not <em>argument</em> injection: a value
 * such as {@code -rf} is still one word starting with a dash; use {@code --} in commands that take file names.
 */
public final class ShellQuote {

    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_./:@%+,-]+");

    private ShellQuote() {
    }

    /** Quotes {@code s} as one POSIX shell word (single quotes; an embedded {@code '} becomes {@code '\''}). */
    public static String quote(String s) {
        if (s == null || s.isEmpty()) {
            return "''";
        }
        if (isSafe(s)) {
            return s;
        }
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** Always single-quotes, even safe tokens. */
    public static String quoteAlways(String s) {
        return "'" + (s == null ? "" : s).replace("'", "'\\''") + "'";
    }

    /** True if {@code s} is non-empty and needs no quoting. */
    public static boolean isSafe(String s) {
        return s != null && SAFE.matcher(s).matches();
    }
}
