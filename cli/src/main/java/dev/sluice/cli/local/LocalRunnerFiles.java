package dev.sluice.cli.local;

import java.nio.file.Path;

/** Where the local runtime keeps files, for commands that read them back. */
public final class LocalRunnerFiles {
    private LocalRunnerFiles() {
    }

    /** {@code <logs>/<dag>/<run>/<task>[.<map>]/<try>.log}. */
    public static Path logFile(Path logsDir, String dagId, String runId, String taskId, int mapIndex, int tryNumber) {
        return AttemptFactory.logFile(logsDir, dagId, runId, taskId, mapIndex, tryNumber);
    }
}
