package dev.sluice.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.cli.dev.DevOptions;
import dev.sluice.engine.Json;
import dev.sluice.engine.Pool;
import dev.sluice.model.Names;
import dev.sluice.store.StateStore;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sluice pools list|set|delete}, as {@code airflow pools}: pools are shared by every DAG of a store, and a size
 * set here wins over every DAG's {@code pools:} declaration (docs/dag-spec.md, "Pools").
 */
@Command(name = "pools", description = {"Pools shared by every DAG: list, set a size, delete.",
        "A size set here wins over every DAG's pools: declaration."},
        subcommands = {PoolsCommand.ListPools.class, PoolsCommand.SetPool.class, PoolsCommand.DeletePool.class})
final class PoolsCommand extends CliCommand {
    @Override
    protected int run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing subcommand: list, set or delete");
    }

    /** Where a pool's size comes from, in words. */
    static String source(Pool p) {
        if (p.size() == null) {
            return "-";
        }
        return p.isSet() ? "set by hand" : "declared by " + p.declaredBy();
    }

    @Command(name = "list", description = {"Every pool with its size, slots in use and where the size comes from.",
            "Local runs by default; a deployment's with --stack, --table or --endpoint."})
    static final class ListPools extends CliCommand {
        @Mixin
        DevOptions aws = new DevOptions();

        @Option(names = "--json", description = "A JSON array on stdout.")
        boolean json;

        @Override
        protected int run() {
            try (StateStore store = BreakersCommand.open(aws)) {
                List<Pool> all = store.pools();
                if (json) {
                    ArrayNode arr = Json.MAPPER.createArrayNode();
                    for (Pool p : all) {
                        ObjectNode o = arr.addObject();
                        o.put("name", p.name());
                        o.put("size", p.size());
                        o.put("used", p.used());
                        o.put("setByHand", p.isSet());
                        o.put("declaredBy", p.declaredBy());
                        o.put("description", p.description());
                    }
                    out().println(arr);
                    return ExitCodes.OK;
                }
                if (all.isEmpty()) {
                    out().println("no pools yet (a DAG's pools: appear once a task takes a slot)");
                    return ExitCodes.OK;
                }
                String fmt = "%-30s  %6s  %6s  %-30s  %s%n";
                out().printf(Locale.ROOT, fmt, "name", "size", "used", "size from", "description");
                for (Pool p : all) {
                    out().printf(Locale.ROOT, fmt, p.name(), p.size() == null ? "-" : p.size(), p.used(), source(p),
                            p.description() == null ? "" : p.description());
                }
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "set", description = {"Set a pool's size by hand.",
            "The size set here wins over every DAG's pools: declaration.",
            "Local runs by default; a deployment's with --stack, --table or --endpoint."})
    static final class SetPool extends CliCommand {
        @Mixin
        DevOptions aws = new DevOptions();

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Parameters(index = "1", paramLabel = "SIZE", description = "Slots: a whole number, 0 or more.")
        String size;

        @Option(names = "--description", paramLabel = "D", description = "A note shown by 'sluice pools list'.")
        String description;

        @Override
        protected int run() {
            String bad = Names.checkId("pool name", name);
            if (bad != null) {
                throw CliException.invalid(bad);
            }
            int slots = parseSize(size);
            try (StateStore store = BreakersCommand.open(aws)) {
                store.setPool(name, slots, description);
                out().println("pool " + name + " set to " + slots + " slot" + (slots == 1 ? "" : "s"));
                return ExitCodes.OK;
            }
        }

        static int parseSize(String text) {
            int n;
            try {
                n = Integer.parseInt(text.trim());
            } catch (NumberFormatException e) {
                throw CliException.invalid("pool size must be a whole number, got '" + text + "'");
            }
            if (n < 0) {
                throw CliException.invalid("pool size must be 0 or more, got " + n);
            }
            return n;
        }
    }

    @Command(name = "delete", description = {"Delete a pool; refused while any of its slots is in use.",
            "Local runs by default; a deployment's with --stack, --table or --endpoint."})
    static final class DeletePool extends CliCommand {
        @Mixin
        DevOptions aws = new DevOptions();

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        protected int run() {
            try (StateStore store = BreakersCommand.open(aws)) {
                return switch (store.deletePool(name)) {
                    case DELETED -> {
                        out().println("pool " + name + " deleted");
                        yield ExitCodes.OK;
                    }
                    case NOT_FOUND -> throw CliException.invalid("no pool " + name
                            + Names.hint(name, store.pools().stream().map(Pool::name).toList()));
                    case IN_USE -> {
                        int used = store.poolUsed(name);
                        throw CliException.invalid("pool " + name + " has " + used + " slot" + (used == 1 ? "" : "s")
                                + " in use; delete it once its tasks have finished");
                    }
                };
            }
        }
    }
}
