package dev.sluice.secrets;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Replaces secret values by {@code ***} in text a user can read (logs, outputs, errors, progress lines), as Airflow's
 * secrets masker: each value, its JSON-escaped form (as it appears inside a JSON string) and its URL-encoded forms
 * ({@code +} and {@code %20} for spaces). Values shorter than {@link #MIN_LENGTH} characters are not masked (masking
 * "ok" or "1" would hide ordinary text, and say which short word the secret is). Thread-safe; add values as they are
 * read.
 */
public final class Masker {
    public static final String MASK = "***";
    public static final int MIN_LENGTH = 4;

    private final List<String> forms = new CopyOnWriteArrayList<>();

    /** Masks {@code secret} (and its forms) from now on; a short or null value is ignored. */
    public void add(String secret) {
        if (secret == null || secret.length() < MIN_LENGTH) {
            return;
        }
        Set<String> f = new LinkedHashSet<>();
        f.add(secret);
        f.add(jsonEscaped(secret));
        String url = URLEncoder.encode(secret, StandardCharsets.UTF_8);
        f.add(url);
        f.add(url.replace("+", "%20"));
        synchronized (forms) {
            for (String s : f) {
                if (!forms.contains(s)) {
                    forms.add(s);
                }
            }
            forms.sort(Comparator.comparingInt(String::length).reversed());
        }
    }

    public boolean isEmpty() {
        return forms.isEmpty();
    }

    /** {@code text} with every secret form replaced by {@code ***}; null stays null. */
    public String mask(String text) {
        if (text == null || forms.isEmpty()) {
            return text;
        }
        String out = text;
        for (String f : forms) {
            if (out.contains(f)) {
                out = out.replace(f, MASK);
            }
        }
        return out;
    }

    /** The form a string takes inside a JSON string literal. */
    static String jsonEscaped(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
