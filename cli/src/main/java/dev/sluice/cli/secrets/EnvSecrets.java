package dev.sluice.cli.secrets;

import dev.sluice.api.Connection;
import dev.sluice.secrets.ConnectionText;
import dev.sluice.secrets.Secrets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Variables and connections from the environment, as Airflow reads {@code AIRFLOW_VAR_*} and {@code AIRFLOW_CONN_*}:
 * {@code SLUICE_VAR_NAME} is variable {@code name} (the name upper-cased), {@code SLUICE_CONN_ID} connection
 * {@code id}, as a URI or a JSON object. They win over the local store.
 */
public final class EnvSecrets implements Secrets {
    public static final String VAR_PREFIX = "SLUICE_VAR_";
    public static final String CONN_PREFIX = "SLUICE_CONN_";
    private final Map<String, String> env;

    public EnvSecrets(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    @Override
    public Optional<String> variable(String name) {
        return Optional.ofNullable(env.get(VAR_PREFIX + name.toUpperCase(Locale.ROOT)));
    }

    @Override
    public Optional<Connection> connection(String connId) {
        String text = env.get(CONN_PREFIX + connId.toUpperCase(Locale.ROOT));
        return text == null ? Optional.empty() : Optional.of(ConnectionText.parse(connId, text));
    }
}
