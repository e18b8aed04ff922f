package dev.sluice.cli.local;

import dev.sluice.cli.exec.Attempt;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.Dispatch;
import dev.sluice.model.Dag;
import dev.sluice.template.TemplateRenderer;
import dev.sluice.template.TryContext;
import java.nio.file.Path;

/**
 * One try of one task outside of a run ({@code sluice tasks test|render}): built by the runner's own
 * {@link AttemptFactory}, so the command is rendered, the SLUICE_* environment set and the handler's context made
 * exactly as in {@code sluice run}. Nothing is read from or written to a store: the caller gives the run and the
 * instances the try sees (a stored run's, or stubs).
 */
public final class SingleTry {
    private SingleTry() {
    }

    /**
     * The attempt for try {@code x} of a task of {@code dag} in {@code run}, seeing {@code source}'s instances, with
     * its log at the runner's place under {@code logsDir}.
     *
     * @throws dev.sluice.template.TemplateException when the command does not render
     */
    public static Attempt attempt(Dag dag, DagRun run, Dispatch x, TryContext.Source source, Path logsDir) {
        return new AttemptFactory(dag, null, logsDir, new TemplateRenderer()).build(run, x, source);
    }
}
