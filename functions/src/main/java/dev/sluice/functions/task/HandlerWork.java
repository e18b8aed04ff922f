package dev.sluice.functions.task;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.sluice.api.NonRetryableTaskException;
import dev.sluice.api.SkipTask;
import dev.sluice.api.Task;
import dev.sluice.api.TaskContext;
import dev.sluice.engine.Json;
import dev.sluice.functions.message.TaskInvocation;
import dev.sluice.functions.message.TaskResult;
import dev.sluice.functions.obs.JsonLog;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a {@link Task} class, a fresh instance per try, on its own thread so the timeout can be enforced.
 * SkipTask -> skipped; NonRetryableTaskException -> failed for good; any other exception -> failed, retryable.
 *
 * @param hostedClass the class this function hosts (SLUICE_TASK_CLASS), or null to run the class the invocation names
 */
public record HandlerWork(String hostedClass) implements TaskWork {

    @Override
    public TaskResult run(TaskInvocation inv, TaskContext ctx, Duration timeout, JsonLog log) {
        String className = inv.target();
        if (hostedClass != null && !hostedClass.equals(className)) {
            return new TaskResult.Failed("this function hosts " + hostedClass + " but was asked to run " + className
                    + " (check SLUICE_HANDLER_FUNCTIONS)", false);
        }
        Task task;
        try {
            task = instantiate(className);
        } catch (IllegalArgumentException e) {
            return new TaskResult.Failed(e.getMessage(), false);
        }
        CompletableFuture<TaskResult> result = new CompletableFuture<>();
        Thread worker = new Thread(() -> result.complete(call(task, ctx, log)), "sluice-task-" + inv.task().taskId());
        worker.setDaemon(true);
        worker.start();
        try {
            return timeout == null ? result.get() : result.get(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            worker.interrupt();
            return new TaskResult.TimedOut("ran longer than " + timeout.withNanos(0)
                    + (inv.deadline() != null ? " (deadline " + inv.deadline() + ")" : " (the function's time limit)"));
        } catch (InterruptedException e) {
            worker.interrupt();
            Thread.currentThread().interrupt();
            return new TaskResult.Failed("interrupted", true);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the task thread completes normally", e);
        }
    }

    private static TaskResult call(Task task, TaskContext ctx, JsonLog log) {
        Object value;
        try {
            value = task.run(ctx);
        } catch (SkipTask e) {
            return new TaskResult.Skipped(e.getMessage());
        } catch (NonRetryableTaskException e) {
            log.error("task_exception", "error", message(e), "retryable", false);
            return new TaskResult.Failed(message(e), false);
        } catch (Throwable e) {
            log.error("task_exception", "error", message(e), "retryable", true);
            return new TaskResult.Failed(message(e), true);
        }
        try {
            return new TaskResult.Succeeded(value == null ? null : Json.MAPPER.writeValueAsString(value));
        } catch (JsonProcessingException | RuntimeException e) {
            return new TaskResult.Failed("the task's return value cannot be written as JSON ("
                    + value.getClass().getName() + "): " + e.getMessage(), false);
        }
    }

    static Task instantiate(String className) {
        if (className == null) {
            throw new IllegalArgumentException("the invocation names no handler class");
        }
        Class<?> c;
        try {
            c = Class.forName(className, true, Thread.currentThread().getContextClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalArgumentException("handler class " + className + " is not in this function's jar");
        }
        if (!Task.class.isAssignableFrom(c) || Modifier.isAbstract(c.getModifiers())) {
            throw new IllegalArgumentException("handler class " + className + " is not a concrete "
                    + Task.class.getName());
        }
        try {
            return (Task) c.getConstructor().newInstance();
        } catch (ReflectiveOperationException | RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IllegalArgumentException("handler class " + className + " could not be created: " + cause);
        }
    }

    private static String message(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getName() : e.getClass().getSimpleName() + ": " + m;
    }
}
