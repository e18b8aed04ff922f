package dev.sluice.template;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.api.Connection;
import dev.sluice.secrets.ConnectionText;
import dev.sluice.secrets.Secrets;
import com.hubspot.jinjava.el.ext.AbstractCallableMethod;
import java.util.AbstractMap;
import java.util.List;
import java.util.function.Function;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code var} and {@code conn} template variables, as Airflow's: {@code var.value.NAME},
 * {@code var.value.get('NAME', 'fallback')}, {@code var.json.NAME.path}, {@code var.json.get('NAME', {})},
 * {@code conn.ID.host|port|login|password|schema|extra|extra_dejson|conn_type|conn_id}, {@code conn.ID.get_uri()}.
 * A name that is not set fails rendering with a message naming it. Lookups go to {@link Secrets} when used, so a
 * template that reads no variable reads no secret.
 */
final class SecretNamespaces {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SecretNamespaces() {
    }

    static Map<String, Object> var(Secrets secrets) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("value", new Values(secrets, false));
        m.put("json", new Values(secrets, true));
        return m;
    }

    static Map<String, Object> conn(Secrets secrets) {
        return new Connections(secrets);
    }

    /** A method templates can call on a map ({@code var.value.get(...)}, {@code conn.x.get_uri()}). */
    static AbstractCallableMethod method(String name, List<String> args, Function<List<Object>, Object> body) {
        LinkedHashMap<String, Object> defaults = new LinkedHashMap<>();
        args.forEach(a -> defaults.put(a, null));
        return new AbstractCallableMethod(name, defaults) {
            @Override
            public Object doEvaluate(Map<String, Object> argMap, Map<String, Object> kwargMap, List<Object> varArgs) {
                List<Object> a = new java.util.ArrayList<>();
                for (String n : args) {
                    a.add(argMap.get(n));
                }
                return body.apply(a);
            }
        };
    }

    /** A lookup-only map: nothing to list, every {@code get} asks the source. */
    abstract static class Lookup extends AbstractMap<String, Object> {
        @Override
        public Set<Entry<String, Object>> entrySet() {
            return Set.of();
        }

        @Override
        public boolean containsKey(Object key) {
            return key instanceof String s && find(s).isPresent();
        }

        @Override
        public Object get(Object key) {
            String name = String.valueOf(key);
            if (name.equals("get")) {
                return method("get", List.of("name", "default"), a -> find(String.valueOf(a.get(0)))
                        .orElse(a.size() > 1 ? a.get(1) : null));
            }
            return find(name).orElseThrow(() -> new TemplateException(missing(name)));
        }

        abstract Optional<Object> find(String name);

        abstract String missing(String name);

        @Override
        public String toString() {
            return "{}";
        }
    }

    static final class Values extends Lookup {
        private final Secrets secrets;
        private final boolean json;

        Values(Secrets secrets, boolean json) {
            this.secrets = secrets;
            this.json = json;
        }

        @Override
        Optional<Object> find(String name) {
            Optional<String> v = secrets.variable(name);
            if (!json) {
                return v.map(s -> s);
            }
            return v.map(s -> {
                try {
                    return JSON.readValue(s, Object.class);
                } catch (JsonProcessingException e) {
                    throw new TemplateException("variable '" + name + "' is not JSON (var.json." + name + "): "
                            + e.getOriginalMessage());
                }
            });
        }

        @Override
        String missing(String name) {
            String m = dev.sluice.secrets.SecretLookups.missingVariable(name);
            return m.substring(0, m.length() - 1) + "; or give a default: var." + (json ? "json" : "value")
                    + ".get('" + name + "', ...))";
        }
    }

    static final class Connections extends Lookup {
        private final Secrets secrets;

        Connections(Secrets secrets) {
            this.secrets = secrets;
        }

        @Override
        Optional<Object> find(String name) {
            return secrets.connection(name).map(ConnView::new);
        }

        @Override
        String missing(String name) {
            return dev.sluice.secrets.SecretLookups.missingConnection(name);
        }
    }

    /** One connection as templates see it: its fields by Airflow's names, and {@code get_uri()}. */
    public static final class ConnView extends LinkedHashMap<String, Object> {
        private static final long serialVersionUID = 1L;
        private final transient Connection c;

        ConnView(Connection c) {
            this.c = c;
            put("conn_id", c.connId());
            put("conn_type", c.connType());
            put("host", c.host());
            put("port", c.port());
            put("login", c.login());
            put("password", c.password());
            put("schema", c.schema());
            put("extra", c.extra());
            put("extra_dejson", ConnectionText.extraDejson(c));
        }

        @Override
        public Object get(Object key) {
            if ("get_uri".equals(key)) {
                return method("get_uri", List.of(), a -> c.uri());
            }
            return super.get(key);
        }

        @Override
        public String toString() {
            return c.connId();
        }
    }
}
