package dev.sluice.functions.task;

import dev.sluice.api.TaskContext;
import dev.sluice.functions.message.TaskInvocation;
import dev.sluice.functions.message.TaskResult;
import dev.sluice.functions.obs.JsonLog;
import java.time.Duration;

/** The work of one try, once it is claimed: run a Task class, a command, or a function. */
@FunctionalInterface
public interface TaskWork {
    /**
     * Runs the try within {@code timeout} and says how it ended. Never throws for a task's own failure; a thrown
     * exception means the runtime itself broke (Lambda then reports it through the OnFailure destination).
     */
    TaskResult run(TaskInvocation invocation, TaskContext context, Duration timeout, JsonLog log);
}
