package dev.sluice.cli.exec;

/**
 * Runs one try and reports how it ended. Blocks until the try is over. Implementations never throw for a task's own
 * failure: every way a try can end is an {@link Outcome}. If the calling thread is interrupted, the try is stopped
 * and {@code Failed("interrupted", true)} is returned with the thread's interrupt flag set again.
 */
@FunctionalInterface
public interface TaskExecutor {
    Outcome execute(Attempt attempt);
}
