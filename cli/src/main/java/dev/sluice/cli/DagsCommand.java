package dev.sluice.cli;

import dev.sluice.cli.render.DagRenderer;
import dev.sluice.cli.render.Table;
import dev.sluice.model.Dag;
import dev.sluice.spec.DagLoader.LoadResult;
import dev.sluice.spec.DiskDagLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Command;
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

    /** {@code sluice dags list [PATH]}. Files with errors are named on stderr; the exit code stays 0. */
    @Command(name = "list", description = {"List the DAGs in a folder: dag_id, schedule, tasks, tags, file.",
        "Files with errors are named on stderr (see sluice validate)."})
    static final class ListDags extends CliCommand {
        @Parameters(arity = "0..1", paramLabel = "PATH",
                description = "A DAG folder or file (default: dags/ if it exists, else examples/).")
        Path path;

        @Override
        protected int run() {
            Path where = path != null ? path : DagFiles.defaultFolder();
            List<LoadResult> results = DagFiles.loadExisting(where);
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
        "Example: sluice dags show warehouse --format dot | dot -Tsvg > warehouse.svg"})
    static final class ShowDag extends CliCommand {
        @Parameters(index = "0", paramLabel = "DAG", description = "A dag_id found under --path, or a DAG file.")
        String dag;

        @Option(names = "--path", paramLabel = "PATH",
                description = "Where to look for the dag_id (default: dags/ if it exists, else examples/).")
        Path path;

        @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text", converter = FormatConverter.class,
                description = "text (default), mermaid or dot.")
        DagRenderer.Format format;

        @Override
        protected int run() {
            Dag found = find();
            out().print(format.renderer().render(found));
            return ExitCodes.OK;
        }

        private Dag find() {
            Path asFile = Path.of(dag);
            if (Files.isRegularFile(asFile)) {
                LoadResult r = DiskDagLoader.load(asFile);
                if (r.dag() == null) {
                    r.problems().forEach(err()::println);
                    throw CliException.invalid(dag + " is not a valid DAG (" + r.errors().size()
                            + (r.errors().size() == 1 ? " error)" : " errors)"));
                }
                return r.dag();
            }
            if (looksLikeFile(dag)) {
                throw CliException.invalid(dag + ": no such file");
            }
            Path where = path != null ? path : DagFiles.defaultFolder();
            List<LoadResult> results = DagFiles.loadExisting(where);
            List<String> ids = new ArrayList<>();
            int invalid = 0;
            for (LoadResult r : results) {
                if (r.dag() == null) {
                    invalid++;
                } else if (r.dag().dagId().equals(dag)) {
                    return r.dag();
                } else {
                    ids.add(r.dag().dagId());
                }
            }
            StringBuilder msg = new StringBuilder("no DAG '" + dag + "' in " + where);
            String close = closest(dag, ids);
            if (close != null) {
                msg.append("; did you mean '").append(close).append("'?");
            } else if (!ids.isEmpty()) {
                msg.append("; found: ").append(String.join(", ", ids.size() > 10 ? ids.subList(0, 10) : ids))
                        .append(ids.size() > 10 ? ", ..." : "");
            }
            if (invalid > 0) {
                msg.append(" (").append(invalid).append(invalid == 1 ? " file has" : " files have")
                        .append(" errors; see sluice validate ").append(where).append(')');
            }
            throw CliException.invalid(msg.toString());
        }

        private static boolean looksLikeFile(String s) {
            String lower = s.toLowerCase(Locale.ROOT);
            return s.contains("/") || lower.endsWith(".yaml") || lower.endsWith(".yml") || lower.endsWith(".json");
        }

        /** The closest dag id to {@code wanted}, if one is near enough (the validator's "did you mean"). */
        private static String closest(String wanted, List<String> ids) {
            return dev.sluice.model.Names.nearest(wanted, ids).orElse(null);
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
