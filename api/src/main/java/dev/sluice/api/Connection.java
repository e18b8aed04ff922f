package dev.sluice.api;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * A connection as Airflow has it: where a system is and how to log in. Every field but {@code connId} may be null;
 * {@code extra} is the connection's extra JSON object as text (null when there is none).
 */
public record Connection(String connId, String connType, String host, Integer port, String login, String password,
                         String schema, String extra) {

    public Connection {
        if (connId == null || connId.isBlank()) {
            throw new IllegalArgumentException("a connection needs an id");
        }
    }

    /**
     * The connection as a URI, Airflow's {@code get_uri()}: {@code type://login:password@host:port/schema}, every part
     * URL-encoded, with {@code ?__extra__=JSON} when there is an extra.
     */
    public String uri() {
        StringBuilder b = new StringBuilder(connType == null ? "" : connType.replace('_', '-')).append("://");
        if (login != null || password != null) {
            b.append(login == null ? "" : enc(login));
            if (password != null) {
                b.append(':').append(enc(password));
            }
            b.append('@');
        }
        if (host != null) {
            b.append(enc(host));
        }
        if (port != null) {
            b.append(':').append(port);
        }
        if (schema != null) {
            b.append('/').append(enc(schema));
        }
        if (extra != null && !extra.isBlank() && !extra.strip().equals("{}")) {
            b.append("?__extra__=").append(enc(extra));
        }
        return b.toString();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** The same connection with the password replaced by {@code ***} (for listings). */
    public Connection redacted() {
        return new Connection(connId, connType, host, port, login, password == null ? null : "***", schema, extra);
    }
}
