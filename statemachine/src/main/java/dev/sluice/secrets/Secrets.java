package dev.sluice.secrets;

import dev.sluice.api.Connection;
import java.util.List;
import java.util.Optional;

/**
 * Where variables and connections come from (the port): locally the environment, then the local store; on AWS,
 * Secrets Manager or SSM Parameter Store under a prefix, read by the task functions only.
 */
public interface Secrets {
    Optional<String> variable(String name);

    Optional<Connection> connection(String connId);

    /** No variables and no connections: every lookup is missing. */
    Secrets NONE = new Secrets() {
        @Override
        public Optional<String> variable(String name) {
            return Optional.empty();
        }

        @Override
        public Optional<Connection> connection(String connId) {
            return Optional.empty();
        }
    };

    /**
     * For a runtime that must not read secrets (the AWS coordinator): any lookup throws {@link Deferred}, so the
     * template is rendered where the secrets may be read (the task function) instead.
     */
    Secrets DEFERRED = new Secrets() {
        @Override
        public Optional<String> variable(String name) {
            throw new Deferred();
        }

        @Override
        public Optional<Connection> connection(String connId) {
            throw new Deferred();
        }
    };

    /** The first source that has a name wins. */
    static Secrets chain(List<Secrets> sources) {
        List<Secrets> list = List.copyOf(sources);
        return new Secrets() {
            @Override
            public Optional<String> variable(String name) {
                for (Secrets s : list) {
                    Optional<String> v = s.variable(name);
                    if (v.isPresent()) {
                        return v;
                    }
                }
                return Optional.empty();
            }

            @Override
            public Optional<Connection> connection(String connId) {
                for (Secrets s : list) {
                    Optional<Connection> c = s.connection(connId);
                    if (c.isPresent()) {
                        return c;
                    }
                }
                return Optional.empty();
            }
        };
    }

    /** Thrown by {@link #DEFERRED}: this template reads a variable or connection and must render elsewhere. */
    final class Deferred extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public Deferred() {
            super("the template reads a variable or connection; it is rendered by the task function", null, false,
                    false);
        }
    }
}
