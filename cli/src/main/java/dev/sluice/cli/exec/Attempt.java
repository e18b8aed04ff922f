package dev.sluice.cli.exec;

import dev.sluice.api.TaskContext;
import dev.sluice.model.TaskSpec;
import dev.sluice.secrets.Masker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * One try of one task instance, with everything the executor needs and nothing it must look up.
 *
 * @param mapIndex -1 for an unmapped task
 * @param command  the rendered shell script, for {@code command} tasks (null otherwise); its template values are
 *                 references to SLUICE_V_n variables in {@code env}
 * @param env      extra environment for commands: SLUICE_DAG_ID, SLUICE_RUN_ID, SLUICE_TASK_ID, SLUICE_TRY_NUMBER,
 *                 SLUICE_MAX_TRIES, SLUICE_MAP_INDEX, SLUICE_ITEM, SLUICE_LOGICAL_DATE and the SLUICE_V_n values,
 *                 filled by the caller
 * @param timeout  the execution timeout, or null for none
 * @param logFile  where the try's output goes (appended; parent folders are created)
 * @param context  what a {@code handler} task sees; may be null for other kinds
 * @param masker   the secrets this try read (rendering its command, or a handler asking its context), masked in
 *                 its log, output and error
 */
public record Attempt(
        String dagId,
        String runId,
        String taskId,
        int mapIndex,
        int tryNumber,
        int maxTries,
        TaskSpec spec,
        String command,
        Map<String, String> env,
        Duration timeout,
        Path logFile,
        TaskContext context,
        Masker masker) {

    /** An attempt that read no secrets. */
    public Attempt(String dagId, String runId, String taskId, int mapIndex, int tryNumber, int maxTries, TaskSpec spec,
                   String command, Map<String, String> env, Duration timeout, Path logFile, TaskContext context) {
        this(dagId, runId, taskId, mapIndex, tryNumber, maxTries, spec, command, env, timeout, logFile, context,
                new Masker());
    }

    public Attempt {
        masker = masker == null ? new Masker() : masker;
        Objects.requireNonNull(dagId, "dagId");
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(logFile, "logFile");
        env = env == null ? Map.of() : Map.copyOf(env);
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
    }

    /** {@code task}, {@code task[3]} for a mapped instance, for log lines. */
    public String label() {
        return mapIndex < 0 ? taskId : taskId + "[" + mapIndex + "]";
    }
}
