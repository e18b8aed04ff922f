package dev.sluice.cli;

import dev.sluice.model.Dag;
import dev.sluice.model.Names;
import java.io.PrintWriter;
import picocli.CommandLine.Mixin;

/**
 * How the commands that name one DAG ({@code tasks test|render}, {@code dags next-run}) find it: a DAG file, or a
 * dag_id looked up under {@code --path} (default: {@code dags/} if it exists, else {@code examples/}) through
 * {@link DagFiles}, as {@code dags show} does. A picocli mixin, so the option is declared here once.
 */
final class DagArgument {
    @Mixin
    DagFiles.PathOption path = new DagFiles.PathOption();

    /**
     * The DAG that {@code dag} names: a file when one exists at that path, else a dag_id under {@code --path}.
     * Problems of an invalid file go to {@code err}; an unknown id fails with a did-you-mean hint (exit 2).
     */
    Dag find(String dag, PrintWriter err) {
        return path.find(dag, err);
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
