package dev.sluice.model;

import java.util.Collection;
import java.util.Optional;
import java.util.regex.Pattern;

/** Identifier rules and "did you mean" suggestions. */
public final class Names {
    /** Ids must fit DynamoDB keys, file paths and log lines: no '#', '/', spaces, and no "..". */
    public static final Pattern ID = Pattern.compile("[A-Za-z0-9_.-]{1,250}");

    private Names() {
    }

    /** Null when {@code id} is valid, otherwise why not. */
    public static String checkId(String kind, String id) {
        if (id == null || id.isEmpty()) {
            return kind + " must not be empty";
        }
        if (!ID.matcher(id).matches()) {
            String shown = id.length() > 60 ? id.substring(0, 60) + "..." : id;
            return kind + " '" + shown + "' must match [A-Za-z0-9_.-]{1,250}";
        }
        if (id.contains("..") || id.startsWith(".") || id.endsWith(".")) {
            return kind + " '" + id + "' must not start or end with '.' or contain '..'";
        }
        return null;
    }

    /** The closest candidate within a small edit distance, for "did you mean" hints. */
    public static Optional<String> nearest(String wanted, Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(wanted, c);
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        int allowed = Math.max(2, wanted.length() / 3);
        return bestDistance <= allowed ? Optional.ofNullable(best) : Optional.empty();
    }

    /** " (did you mean 'x'?)" or "". */
    public static String hint(String wanted, Collection<String> candidates) {
        return nearest(wanted, candidates).map(n -> " (did you mean '" + n + "'?)").orElse("");
    }

    static int distance(String a, String b) {
        if (a.length() > 300 || b.length() > 300) {
            return Integer.MAX_VALUE / 2;
        }
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
