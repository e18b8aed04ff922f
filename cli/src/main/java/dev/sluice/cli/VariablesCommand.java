package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.cli.local.Workspace;
import dev.sluice.cli.secrets.LocalSecretStore;
import dev.sluice.cli.secrets.LocalSecrets;
import dev.sluice.engine.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sluice variables set|get|list|delete|import|export}, as {@code airflow variables}: the local store of
 * variables that templates read as {@code var.value.NAME} (docs/dag-spec.md, "Variables and connections").
 */
@Command(name = "variables", description = {"Variables for templates (var.value.NAME): set, get, list, delete.",
        "Kept encrypted in the Sluice home.",
        "SLUICE_VAR_NAME in the environment wins over the store."},
        subcommands = {VariablesCommand.Set.class, VariablesCommand.Get.class, VariablesCommand.ListVariables.class,
                VariablesCommand.Delete.class, VariablesCommand.Import.class, VariablesCommand.Export.class})
final class VariablesCommand extends CliCommand {
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,249}");

    @Override
    protected int run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                "missing subcommand: set, get, list, delete, import or export");
    }

    static LocalSecretStore store() {
        return new LocalSecretStore(Workspace.current().home());
    }

    static String checkName(String what, String name) {
        if (!NAME.matcher(name).matches()) {
            throw CliException.invalid(what + " '" + name + "' must be letters, digits, '_', '.' or '-' (at most 250),"
                    + " starting with a letter, digit or '_'");
        }
        return name;
    }

    /** The text of VALUE, or of stdin when it is "-" (so a secret need not be on the command line). */
    static String valueOf(String value, InputStream stdin) {
        if (!value.equals("-")) {
            return value;
        }
        try {
            String s = new String(stdin.readAllBytes(), StandardCharsets.UTF_8);
            return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
        } catch (IOException e) {
            throw CliException.invalid("cannot read the value from stdin: " + e.getMessage());
        }
    }

    @Command(name = "set", description = {"Set a variable; VALUE - reads it from stdin.",
            "Example: sluice variables set warehouse_env prod"})
    static final class Set extends CliCommand {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Parameters(index = "1", paramLabel = "VALUE", description = "The value, or - to read it from stdin.")
        String value;

        @Option(names = "--description", paramLabel = "D", description = "A note shown by 'sluice variables list'.")
        String description;

        @Option(names = {"-j", "--json"}, description = "Check that VALUE is JSON (for var.json.NAME).")
        boolean json;

        @Override
        protected int run() {
            checkName("variable name", name);
            String v = valueOf(value, System.in);
            if (json) {
                try {
                    Json.MAPPER.readTree(v);
                } catch (IOException e) {
                    throw CliException.invalid("the value of " + name + " is not JSON: " + e.getMessage());
                }
            }
            store().setVariable(name, v, description);
            out().println("variable " + name + " set");
            return ExitCodes.OK;
        }
    }

    @Command(name = "get", description = {"Print a variable's value as tries see it.",
            "The environment comes first, then the store.",
            "Example: sluice variables get warehouse_env --default dev"})
    static final class Get extends CliCommand {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = {"-d", "--default"}, paramLabel = "D", description = "Printed when the variable is not set.")
        String fallback;

        @Override
        protected int run() {
            Optional<String> v = LocalSecrets.of(Workspace.current().home()).variable(name);
            if (v.isEmpty() && fallback == null) {
                throw CliException.invalid(dev.sluice.secrets.SecretLookups.missingVariable(name));
            }
            out().println(v.orElse(fallback));
            return ExitCodes.OK;
        }
    }

    @Command(name = "list", description = {"The variables in the local store, by name, with their descriptions.",
            "Values are not shown.",
            "SLUICE_VAR_* environment variables are listed too."})
    static final class ListVariables extends CliCommand {
        @Override
        protected int run() {
            java.util.TreeMap<String, String> rows = new java.util.TreeMap<>();
            store().variables().forEach((k, e) -> rows.put(k, e.description() == null ? "" : e.description()));
            for (String k : System.getenv().keySet()) {
                if (k.startsWith(dev.sluice.cli.secrets.EnvSecrets.VAR_PREFIX)) {
                    rows.put(k.substring(dev.sluice.cli.secrets.EnvSecrets.VAR_PREFIX.length()).toLowerCase(
                            java.util.Locale.ROOT), "(from the environment: " + k + ")");
                }
            }
            if (rows.isEmpty()) {
                out().println("no variables yet (set one with: sluice variables set NAME VALUE)");
                return ExitCodes.OK;
            }
            rows.forEach((k, d) -> out().printf("%-40s  %s%n", k, d));
            return ExitCodes.OK;
        }
    }

    @Command(name = "delete", description = "Delete a variable from the local store.")
    static final class Delete extends CliCommand {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        protected int run() {
            if (!store().deleteVariable(name)) {
                throw CliException.invalid("no variable " + name + " in the local store");
            }
            out().println("variable " + name + " deleted");
            return ExitCodes.OK;
        }
    }

    @Command(name = "import", description = {"Set the variables of a JSON file: an object of name to value.",
            "A value that is not a string is stored as its JSON text (for var.json.NAME)."})
    static final class Import extends CliCommand {
        @Parameters(index = "0", paramLabel = "FILE")
        Path file;

        @Override
        protected int run() throws IOException {
            JsonNode n;
            try {
                n = Json.MAPPER.readTree(Files.readString(file));
            } catch (IOException e) {
                throw CliException.invalid("cannot read " + file + ": " + e.getMessage());
            }
            if (!(n instanceof ObjectNode o)) {
                throw CliException.invalid(file + " must hold a JSON object of variable name to value");
            }
            LocalSecretStore store = store();
            int count = 0;
            for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) o::fields) {
                checkName("variable name", e.getKey());
                store.setVariable(e.getKey(), e.getValue().isTextual() ? e.getValue().asText()
                        : e.getValue().toString(), null);
                count++;
            }
            out().println(count + " variable" + (count == 1 ? "" : "s") + " imported");
            return ExitCodes.OK;
        }
    }

    @Command(name = "export", description = {"Write the local store's variables to a JSON file, in clear text.",
            "The file is created readable by you alone; FILE - prints to stdout."})
    static final class Export extends CliCommand {
        @Parameters(index = "0", paramLabel = "FILE")
        String file;

        @Override
        protected int run() throws IOException {
            ObjectNode o = Json.MAPPER.createObjectNode();
            store().variables().forEach((k, e) -> o.put(k, e.value()));
            String text = Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(o);
            if (file.equals("-")) {
                out().println(text);
                return ExitCodes.OK;
            }
            Path p = Path.of(file);
            if (Files.exists(p)) {
                throw CliException.invalid(p + " exists; export writes a new file");
            }
            Files.createFile(p, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            Files.writeString(p, text + "\n");
            out().println(o.size() + " variable" + (o.size() == 1 ? "" : "s") + " exported to " + p);
            return ExitCodes.OK;
        }
    }
}
