package dev.sluice.secrets;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Which variable names mark a value as secret, as Airflow's {@code sensitive_var_conn_names}: a name containing
 * password, secret, passwd, authorization, api_key, apikey or access_token (any case), or one of the user's own
 * words (environment variable {@code SLUICE_SENSITIVE_NAMES}, comma-separated).
 */
public final class SensitiveNames {
    public static final Set<String> DEFAULTS = Set.of("password", "secret", "passwd", "authorization", "api_key",
            "apikey", "access_token");
    /** The environment variable with the user's additions. */
    public static final String ENV = "SLUICE_SENSITIVE_NAMES";

    private final Set<String> words;

    public SensitiveNames(Set<String> additions) {
        Set<String> w = new LinkedHashSet<>(DEFAULTS);
        for (String a : additions) {
            if (a != null && !a.isBlank()) {
                w.add(a.strip().toLowerCase(Locale.ROOT));
            }
        }
        this.words = Set.copyOf(w);
    }

    /** The defaults plus the comma-separated words of {@code additions} (null: none). */
    public static SensitiveNames of(String additions) {
        return new SensitiveNames(additions == null ? Set.of() : Set.of(additions.split(",")));
    }

    public boolean isSensitive(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (String w : words) {
            if (n.contains(w)) {
                return true;
            }
        }
        return false;
    }
}
