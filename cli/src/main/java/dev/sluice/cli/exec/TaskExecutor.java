package dev.sluice.cli.exec;

import java.nio.file.Path;
import java.util.Map;

/**
 * Runs one try and reports how it ended. Blocks until the try is over. Implementations never throw for a task's own
 * failure: every way a try can end is an {@link Outcome}. If the calling thread is interrupted, the try is stopped
 * and {@code Failed("interrupted", true)} is returned with the thread's interrupt flag set again.
 */
@FunctionalInterface
public interface TaskExecutor {
    Outcome execute(Attempt attempt);

    /**
     * Ends the tries recorded under {@code runLogs} (a run's log folder) whose processes outlived the process that
     * started them (a {@code kill -9} of {@code sluice run}), before any of them runs again; called on resume by the
     * process that holds the run's lock. Returns, for each try it ended, its log file and what it did.
     */
    default Map<Path, String> endLeftovers(Path runLogs) {
        return Map.of();
    }

    /**
     * Runs a handler callback ({@code handler:Class}, a {@link dev.sluice.api.Callback}) within {@code timeout},
     * writing what happened to {@code logFile}. Returns null when it returned, else the problem. Never throws.
     */
    default String callback(String className, dev.sluice.api.CallbackContext context, java.time.Duration timeout,
                            Path logFile) {
        return "handler callbacks are not supported by " + getClass().getSimpleName();
    }
}
