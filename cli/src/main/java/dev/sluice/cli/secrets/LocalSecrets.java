package dev.sluice.cli.secrets;

import dev.sluice.secrets.Secrets;
import dev.sluice.secrets.SensitiveNames;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** What local tries read variables and connections from: the environment first, then the home's local store. */
public final class LocalSecrets {
    private LocalSecrets() {
    }

    public static Secrets of(Path home, Map<String, String> env) {
        return Secrets.chain(List.of(new EnvSecrets(env), new LocalSecretStore(home)));
    }

    /** The process's environment and the store in {@code home}. */
    public static Secrets of(Path home) {
        return of(home, System.getenv());
    }

    /** Airflow's sensitive names plus the words of {@code SLUICE_SENSITIVE_NAMES}. */
    public static SensitiveNames names() {
        return SensitiveNames.of(System.getenv(SensitiveNames.ENV));
    }
}
