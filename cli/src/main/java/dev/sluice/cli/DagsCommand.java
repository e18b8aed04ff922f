package dev.sluice.cli;

import dev.sluice.cli.render.DagRenderer;
import dev.sluice.cli.render.Table;
import dev.sluice.model.Dag;
import dev.sluice.spec.DagLoader.LoadResult;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sluice dags list|show}. */
@Command(name = "dags", description = "List DAGs, show their graphs and their next scheduled runs.",
        subcommands = {DagsCommand.ListDags.class, DagsCommand.ShowDag.class, DagsNextRun.class})
final class DagsCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: list, show or next-run");
    }

    /** {@code sluice dags list [--path PATH]}. Files with errors are named on stderr; the exit code stays 0. */
    @Command(name = "list", description = {"List the DAGs in a folder: dag_id, schedule, tasks, tags, file.",
        "Files with errors are named on stderr (see sluice validate).",
        "Example: sluice dags list --path examples"})
    static final class ListDags extends CliCommand {
        @Mixin
        DagFiles.PathOption dags = new DagFiles.PathOption();

        /** The older spelling {@code dags list PATH}, still accepted. */
        @Parameters(arity = "0..1", paramLabel = "PATH", hidden = true)
        Path positional;

        @Override
        protected int run() {
            if (positional != null) {
                if (dags.given()) {
                    throw CliException.invalid("give the folder once: --path " + dags.where() + " or " + positional);
                }
                dags.set(positional);
            }
            Path where = dags.where();
            List<LoadResult> results = dags.load();
            Table table = new Table("DAG_ID", "SCHEDULE", "TASKS", "TAGS", "FILE");
            int invalid = 0;
            for (LoadResult r : results) {
                Dag d = r.dag();
                if (d == null) {
                    invalid++;
                    err().println(DagFiles.fileOf(r) + ": invalid (" + r.errors().size()
                            + (r.errors().size() == 1 ? " error" : " errors") + "); see: sluice validate "
                            + DagFiles.fileOf(r));
                    continue;
                }
                table.row(d.dagId(), d.schedule() == null ? "manual" : d.schedule(),
                        Integer.toString(d.tasks().size()), d.tags().isEmpty() ? "-" : String.join(",", d.tags()),
                        DagFiles.fileOf(r));
            }
            if (results.size() == invalid) {
                err().println(results.isEmpty() ? "no DAG files found in " + where : "no valid DAGs in " + where);
            }
            out().print(table.render());
            return ExitCodes.OK;
        }
    }

    /** {@code sluice dags show DAG [--path PATH] [--format text|mermaid|dot]}. */
    @Command(name = "show", description = {"Show a DAG's graph: an indented tree, Mermaid or Graphviz DOT.",
        "Example: sluice dags show data_warehouse_pipeline --format dot > warehouse.dot",
        "Example: sluice dags show examples/branching.yaml --format mermaid"})
    static final class ShowDag extends CliCommand {
        @Parameters(index = "0", paramLabel = "DAG", description = "A dag_id found under --path, or a DAG file.")
        String dag;

        /** The older spelling {@code dags show DAG PATH}, still accepted. */
        @Parameters(index = "1", arity = "0..1", paramLabel = "PATH", hidden = true)
        Path positional;

        @Mixin
        DagFiles.PathOption dags = new DagFiles.PathOption();

        @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text", converter = FormatConverter.class,
                description = "text (default), mermaid or dot.")
        DagRenderer.Format format;

        @Override
        protected int run() {
            if (positional != null) {
                if (dags.given()) {
                    throw CliException.invalid("give the folder once: --path " + dags.where() + " or " + positional);
                }
                dags.set(positional);
            }
            Dag found = dags.find(dag, err());
            out().print(format.renderer().render(found));
            return ExitCodes.OK;
        }
    }

    /** {@code --format} values, case-insensitive. */
    static final class FormatConverter implements CommandLine.ITypeConverter<DagRenderer.Format> {
        @Override
        public DagRenderer.Format convert(String value) {
            try {
                return DagRenderer.Format.valueOf(value.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not one of: text, mermaid, dot");
            }
        }
    }
}
