package dev.sluice.cli;

import dev.sluice.model.Dag;
import dev.sluice.model.Names;
import dev.sluice.spec.DagLoader.LoadResult;
import dev.sluice.spec.DiskDagLoader;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * How the commands that name one DAG ({@code tasks test|render}, {@code dags next-run}) find it: a DAG file, or a
 * dag_id looked up under {@code --path} (default: {@code dags/} if it exists, else {@code examples/}) through
 * {@link DagFiles}, as {@code dags show} does. A picocli mixin, so the option is declared here once.
 */
final class DagArgument {
    @Option(names = "--path", paramLabel = "PATH",
            description = "Where to look for the dag_id (default: dags/ if it exists, else examples/).")
    Path path;

    /**
     * The DAG that {@code dag} names: a file when one exists at that path, else a dag_id under {@code --path}.
     * Problems of an invalid file go to {@code err}; an unknown id fails with a did-you-mean hint (exit 2).
     */
    Dag find(String dag, PrintWriter err) {
        Path asFile = Path.of(dag);
        if (Files.isRegularFile(asFile)) {
            LoadResult r = DiskDagLoader.load(asFile);
            if (r.dag() == null) {
                r.problems().forEach(err::println);
                throw CliException.invalid(dag + " is not a valid DAG (" + r.errors().size()
                        + (r.errors().size() == 1 ? " error)" : " errors)"));
            }
            return r.dag();
        }
        String lower = dag.toLowerCase(Locale.ROOT);
        if (dag.contains("/") || lower.endsWith(".yaml") || lower.endsWith(".yml") || lower.endsWith(".json")) {
            throw CliException.invalid(dag + ": no such file");
        }
        Path where = path != null ? path : DagFiles.defaultFolder();
        List<String> ids = new ArrayList<>();
        int invalid = 0;
        for (LoadResult r : DagFiles.loadExisting(where)) {
            if (r.dag() == null) {
                invalid++;
            } else if (r.dag().dagId().equals(dag)) {
                return r.dag();
            } else {
                ids.add(r.dag().dagId());
            }
        }
        StringBuilder msg = new StringBuilder("no DAG '" + dag + "' in " + where);
        String close = Names.nearest(dag, ids).orElse(null);
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

    /** The task {@code taskId} of {@code dag}, or exit 2 with a did-you-mean hint. */
    static dev.sluice.model.TaskSpec task(Dag dag, String taskId) {
        if (!dag.hasTask(taskId)) {
            throw CliException.invalid("DAG " + dag.dagId() + " has no task '" + taskId + "'"
                    + Names.hint(taskId, dag.taskIds()));
        }
        return dag.task(taskId);
    }
}
