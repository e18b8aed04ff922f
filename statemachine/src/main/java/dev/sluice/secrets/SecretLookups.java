package dev.sluice.secrets;

import dev.sluice.api.Connection;
import java.util.Locale;

/** A variable or connection that must exist, as handlers ask for them; the messages name what is missing. */
public final class SecretLookups {
    private SecretLookups() {
    }

    public static String variable(Secrets secrets, String name) {
        return secrets.variable(name).orElseThrow(() -> new IllegalArgumentException(missingVariable(name)));
    }

    public static Connection connection(Secrets secrets, String connId) {
        return secrets.connection(connId).orElseThrow(() -> new IllegalArgumentException(missingConnection(connId)));
    }

    public static String missingVariable(String name) {
        return "variable '" + name + "' is not set (set it with: sluice variables set " + name
                + " VALUE, or the environment variable SLUICE_VAR_" + name.toUpperCase(Locale.ROOT) + ")";
    }

    public static String missingConnection(String connId) {
        return "connection '" + connId + "' does not exist (add it with: sluice connections add " + connId
                + " --conn-uri URI, or the environment variable SLUICE_CONN_" + connId.toUpperCase(Locale.ROOT) + ")";
    }
}
