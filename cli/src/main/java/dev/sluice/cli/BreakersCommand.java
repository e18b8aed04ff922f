package dev.sluice.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.cli.local.Workspace;
import dev.sluice.engine.BreakerState;
import dev.sluice.engine.Json;
import dev.sluice.store.StateStore;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "breakers", description = "Circuit breakers shared by tasks (circuit_breaker: in a DAG).",
        subcommands = {BreakersCommand.ListBreakers.class, BreakersCommand.Reset.class})
final class BreakersCommand extends CliCommand {
    @Override
    protected int run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing subcommand: list or reset");
    }

    /** The local workspace's store, or a deployment's DynamoDB table when one is named. */
    static StateStore open(dev.sluice.cli.dev.DevOptions aws) {
        return aws.namesStore() ? aws.openStore() : Workspace.current().openStore();
    }

    @Command(name = "list", description = {"Every breaker with its state, consecutive failures and when it opened.",
            "Local runs by default; a deployment's with --stack, --table or --endpoint."})
    static final class ListBreakers extends CliCommand {
        @picocli.CommandLine.Mixin
        dev.sluice.cli.dev.DevOptions aws = new dev.sluice.cli.dev.DevOptions();

        @Option(names = "--json", description = "A JSON array on stdout.")
        boolean json;

        @Override
        protected int run() {
            try (StateStore store = open(aws)) {
                List<BreakerState> all = store.breakers();
                if (json) {
                    ArrayNode arr = Json.MAPPER.createArrayNode();
                    for (BreakerState b : all) {
                        ObjectNode o = arr.addObject();
                        o.put("name", b.name());
                        o.put("state", b.status().airflowName());
                        o.put("failures", b.failures());
                        o.put("openedAt", b.openedAt() == null ? null : b.openedAt().toString());
                        o.put("probe", b.probe());
                    }
                    out().println(arr);
                    return ExitCodes.OK;
                }
                if (all.isEmpty()) {
                    out().println("no circuit breakers yet");
                    return ExitCodes.OK;
                }
                String fmt = "%-30s  %-9s  %8s  %s%n";
                out().printf(Locale.ROOT, fmt, "name", "state", "failures", "opened_at");
                for (BreakerState b : all) {
                    out().printf(Locale.ROOT, fmt, b.name(), b.status().airflowName(), b.failures(),
                            b.openedAt() == null ? "-" : b.openedAt());
                }
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "reset", description = {
            "Close a breaker by hand: new tries run at once.",
            "Tasks it already deferred run at their recheck.",
            "Local runs by default; a deployment's with --stack, --table or --endpoint."})
    static final class Reset extends CliCommand {
        @picocli.CommandLine.Mixin
        dev.sluice.cli.dev.DevOptions aws = new dev.sluice.cli.dev.DevOptions();

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        protected int run() {
            try (StateStore store = open(aws)) {
                if (!store.resetBreaker(name)) {
                    List<String> names = store.breakers().stream().map(BreakerState::name).toList();
                    throw CliException.invalid("no circuit breaker " + name + dev.sluice.model.Names.hint(name, names));
                }
                out().println("circuit breaker " + name + " closed");
                return ExitCodes.OK;
            }
        }
    }
}
