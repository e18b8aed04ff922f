package dev.sluice.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Connection;
import dev.sluice.cli.local.Workspace;
import dev.sluice.cli.secrets.LocalSecrets;
import dev.sluice.engine.Json;
import dev.sluice.secrets.ConnectionText;
import dev.sluice.secrets.SecretLookups;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sluice connections add|get|list|delete}, as {@code airflow connections}: the local store of connections that
 * templates read as {@code conn.ID} (docs/dag-spec.md, "Variables and connections").
 */
@Command(name = "connections", description = {"Connections for templates (conn.ID): add, get, list, delete.",
        "Kept encrypted in the Sluice home.",
        "SLUICE_CONN_ID in the environment wins over the store."},
        subcommands = {ConnectionsCommand.Add.class, ConnectionsCommand.Get.class,
                ConnectionsCommand.ListConnections.class, ConnectionsCommand.Delete.class})
final class ConnectionsCommand extends CliCommand {
    @Override
    protected int run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                "missing subcommand: add, get, list or delete");
    }

    static final class Fields {
        @Option(names = "--conn-type", paramLabel = "T", description = "The connection type (http, postgres, ...).")
        String type;
        @Option(names = "--conn-host", paramLabel = "H", description = "The host.")
        String host;
        @Option(names = "--conn-port", paramLabel = "P", description = "The port.")
        Integer port;
        @Option(names = "--conn-login", paramLabel = "L", description = "The login (user name).")
        String login;
        @Option(names = "--conn-password", paramLabel = "P", description = "The password; - reads it from stdin.")
        String password;
        @Option(names = "--conn-schema", paramLabel = "S", description = "The schema (database).")
        String schema;
        @Option(names = "--conn-extra", paramLabel = "JSON", description = "The extra, a JSON object.")
        String extra;
    }

    static final class Source {
        @Option(names = "--conn-uri", paramLabel = "URI", description = "The whole connection as a URI.")
        String uri;
        @Option(names = "--conn-json", paramLabel = "JSON", description = "The whole connection as a JSON object.")
        String json;
        @ArgGroup(exclusive = false)
        Fields fields;
    }

    @Command(name = "add", description = {"Add a connection, or replace the one with that id.",
            "Give it as --conn-uri, as --conn-json, or field by field.",
            "Example: sluice connections add warehouse_api --conn-uri https://api.example.com"})
    static final class Add extends CliCommand {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Source source;

        @Override
        protected int run() {
            VariablesCommand.checkName("connection id", id);
            Connection c;
            try {
                if (source.uri != null) {
                    c = ConnectionText.parse(id, source.uri);
                } else if (source.json != null) {
                    c = ConnectionText.parse(id, source.json);
                } else {
                    Fields f = source.fields;
                    String password = f.password == null ? null : VariablesCommand.valueOf(f.password, System.in);
                    if (f.extra != null) {
                        ConnectionText.parse(id, "{\"extra\":" + f.extra + "}");
                    }
                    c = new Connection(id, f.type, f.host, f.port, f.login, password, f.schema, f.extra);
                }
            } catch (IllegalArgumentException e) {
                throw CliException.invalid(e.getMessage());
            }
            VariablesCommand.store().putConnection(c);
            out().println("connection " + id + " added");
            return ExitCodes.OK;
        }
    }

    static ObjectNode json(Connection c) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("conn_id", c.connId());
        o.setAll((ObjectNode) Json.MAPPER.valueToTree(Json.toJava(ConnectionText.toJson(c))));
        return o;
    }

    @Command(name = "get", description = {"Print a connection as tries see it.",
            "The environment comes first, then the store.",
            "The password is shown as *** unless --show-password is given."})
    static final class Get extends CliCommand {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Option(names = "--show-password", description = "Print the password in clear text.")
        boolean showPassword;

        @Option(names = "--uri", description = "Print the connection as a URI instead of JSON.")
        boolean uri;

        @Override
        protected int run() {
            Connection c = LocalSecrets.of(Workspace.current().home()).connection(id)
                    .orElseThrow(() -> CliException.invalid(SecretLookups.missingConnection(id)));
            Connection shown = showPassword ? c : c.redacted();
            out().println(uri ? shown.uri() : json(shown).toString());
            return ExitCodes.OK;
        }
    }

    @Command(name = "list", description = {"The connections in the local store: id, type, host and login.",
            "Passwords are never shown here."})
    static final class ListConnections extends CliCommand {
        @Override
        protected int run() {
            var all = VariablesCommand.store().connections();
            if (all.isEmpty()) {
                out().println("no connections yet (add one with: sluice connections add ID --conn-uri URI)");
                return ExitCodes.OK;
            }
            String fmt = "%-30s  %-12s  %-30s  %s%n";
            out().printf(fmt, "conn_id", "conn_type", "host", "login");
            all.values().forEach(c -> out().printf(fmt, c.connId(), nz(c.connType()), nz(c.host()), nz(c.login())));
            return ExitCodes.OK;
        }

        private static String nz(String s) {
            return s == null ? "" : s;
        }
    }

    @Command(name = "delete", description = "Delete a connection from the local store.")
    static final class Delete extends CliCommand {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Override
        protected int run() {
            if (!VariablesCommand.store().deleteConnection(id)) {
                throw CliException.invalid("no connection " + id + " in the local store");
            }
            out().println("connection " + id + " deleted");
            return ExitCodes.OK;
        }
    }
}
