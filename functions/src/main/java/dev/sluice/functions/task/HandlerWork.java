package dev.sluice.functions.task;

import dev.sluice.api.Task;
import dev.sluice.api.TaskContext;
import dev.sluice.engine.HandlerOutcome;
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
 * What the task returned or threw is classified by {@link HandlerOutcome}, as in the local runtime.
 *
 * @param hostedClass the class this function hosts (SLUICE_TASK_CLASS), or null to run the class the invocation names
 */
public record HandlerWork(String hostedClass) implements TaskWork {

    @Override
    public TaskResult run(TaskInvocation inv, TaskContext ctx, Duration timeout, JsonLog log) {
        String className = inv.target();
        if (hostedClass != null && !hostedClass.equals(className)) {
            return new TaskResult.Failed("this function hosts " + hostedClass + " but was asked to run " + className
                    + " (handler classes run in the function named after their simple name: do two classes share one?)",
                    false);
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

    /** Runs the handler and reports what it came to, as {@link HandlerOutcome} classifies it for every runtime. */
    private static TaskResult call(Task task, TaskContext ctx, JsonLog log) {
        HandlerOutcome o = HandlerOutcome.of(task, ctx);
        if (o instanceof HandlerOutcome.Succeeded s) {
            return new TaskResult.Succeeded(s.outputJson());
        } else if (o instanceof HandlerOutcome.Skipped s) {
            return new TaskResult.Skipped(s.reason());
        }
        HandlerOutcome.Failed f = (HandlerOutcome.Failed) o;
        if (f.cause() != null) {
            log.error("task_exception", "error", f.error(), "retryable", f.retryable());
        }
        return new TaskResult.Failed(f.error(), f.retryable());
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
}
