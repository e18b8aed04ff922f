package dev.sluice.secrets;

import dev.sluice.api.Connection;
import java.util.Objects;
import java.util.Optional;

/**
 * The secrets one try reads: each lookup goes to the source, and what must not be shown (a connection's password,
 * a sensitive-named variable's value) goes to the try's {@link Masker}.
 */
public final class TrackedSecrets implements Secrets {
    private final Secrets source;
    private final SensitiveNames names;
    private final Masker masker;

    public TrackedSecrets(Secrets source, SensitiveNames names, Masker masker) {
        this.source = Objects.requireNonNull(source, "source");
        this.names = Objects.requireNonNull(names, "names");
        this.masker = Objects.requireNonNull(masker, "masker");
    }

    public Masker masker() {
        return masker;
    }

    @Override
    public Optional<String> variable(String name) {
        Optional<String> v = source.variable(name);
        if (v.isPresent() && names.isSensitive(name)) {
            masker.add(v.get());
        }
        return v;
    }

    @Override
    public Optional<Connection> connection(String connId) {
        Optional<Connection> c = source.connection(connId);
        c.ifPresent(conn -> masker.add(conn.password()));
        return c;
    }
}
