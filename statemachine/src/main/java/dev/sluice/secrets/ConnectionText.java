package dev.sluice.secrets;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Connection;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A connection written as text, as Airflow reads {@code AIRFLOW_CONN_*} and its secrets backends: a URI
 * ({@code postgres://user:p%40ss@db.example.com:5432/warehouse?sslmode=require}, query parameters become the
 * extra, or {@code __extra__=JSON} gives it whole) or a JSON object
 * ({@code {"conn_type":"http","host":"api.example.com","password":"...","extra":{"timeout":5}}}).
 */
public final class ConnectionText {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ConnectionText() {
    }

    /** @throws IllegalArgumentException naming the connection when the text is neither form */
    public static Connection parse(String connId, String text) {
        String t = text == null ? "" : text.strip();
        if (t.startsWith("{")) {
            return fromJson(connId, t);
        }
        return fromUri(connId, t);
    }

    /** The connection as the JSON object {@link #parse} reads (what the stores keep). */
    public static String toJson(Connection c) {
        ObjectNode o = JSON.createObjectNode();
        put(o, "conn_type", c.connType());
        put(o, "host", c.host());
        if (c.port() != null) {
            o.put("port", c.port());
        }
        put(o, "login", c.login());
        put(o, "password", c.password());
        put(o, "schema", c.schema());
        if (c.extra() != null) {
            try {
                o.set("extra", JSON.readTree(c.extra()));
            } catch (JsonProcessingException e) {
                o.put("extra", c.extra());
            }
        }
        return o.toString();
    }

    private static void put(ObjectNode o, String k, String v) {
        if (v != null) {
            o.put(k, v);
        }
    }

    private static Connection fromJson(String connId, String t) {
        JsonNode n;
        try {
            n = JSON.readTree(t);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("connection '" + connId + "' is not valid JSON: "
                    + e.getOriginalMessage());
        }
        if (!n.isObject()) {
            throw new IllegalArgumentException("connection '" + connId + "' must be a JSON object or a URI");
        }
        Integer port = null;
        if (n.hasNonNull("port")) {
            JsonNode p = n.get("port");
            try {
                port = p.isInt() ? p.asInt() : Integer.parseInt(p.asText());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("connection '" + connId + "' has a port that is not a number: "
                        + p.asText());
            }
        }
        String extra = null;
        if (n.hasNonNull("extra")) {
            extra = n.get("extra").isTextual() ? n.get("extra").asText() : n.get("extra").toString();
        }
        return new Connection(connId, text(n, "conn_type"), text(n, "host"), port, text(n, "login"),
                text(n, "password"), text(n, "schema"), extra);
    }

    private static String text(JsonNode n, String f) {
        return n.hasNonNull(f) ? n.get(f).asText() : null;
    }

    private static Connection fromUri(String connId, String t) {
        int scheme = t.indexOf("://");
        if (scheme <= 0) {
            throw new IllegalArgumentException("connection '" + connId
                    + "' must be a URI (type://login:password@host:port/schema) or a JSON object");
        }
        URI u;
        try {
            u = new URI(t);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("connection '" + connId + "' is not a valid URI: " + e.getReason());
        }
        String type = u.getScheme().replace('-', '_');
        String login = null;
        String password = null;
        String userInfo = u.getRawUserInfo();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            login = dec(colon < 0 ? userInfo : userInfo.substring(0, colon));
            password = colon < 0 ? null : dec(userInfo.substring(colon + 1));
            login = login.isEmpty() ? null : login;
        }
        String host = u.getHost() == null ? null : dec(u.getHost());
        if (host == null && u.getRawAuthority() != null) {
            String auth = u.getRawAuthority();
            auth = auth.substring(auth.lastIndexOf('@') + 1);
            host = auth.isEmpty() ? null : dec(auth.replaceAll(":\\d+$", ""));
        }
        Integer port = u.getPort() < 0 ? null : u.getPort();
        String path = u.getRawPath();
        String schema = path == null || path.length() <= 1 ? null : dec(path.substring(1));
        String extra = null;
        if (u.getRawQuery() != null && !u.getRawQuery().isEmpty()) {
            ObjectNode o = JSON.createObjectNode();
            for (String pair : u.getRawQuery().split("&")) {
                int eq = pair.indexOf('=');
                String k = dec(eq < 0 ? pair : pair.substring(0, eq));
                String v = eq < 0 ? "" : dec(pair.substring(eq + 1));
                if (k.equals("__extra__")) {
                    extra = v;
                    o = null;
                    break;
                }
                o.put(k, v);
            }
            if (o != null) {
                extra = o.toString();
            }
        }
        return new Connection(connId, type, host, port, login, password, schema, extra);
    }

    private static String dec(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /** The extra as a Java map ({@code extra_dejson}); empty when there is none or it is not a JSON object. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> extraDejson(Connection c) {
        if (c.extra() == null || c.extra().isBlank()) {
            return Map.of();
        }
        try {
            Object v = JSON.readValue(c.extra(), Object.class);
            return v instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        } catch (JsonProcessingException e) {
            return Map.of();
        }
    }

}
