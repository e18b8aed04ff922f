package dev.sluice.cli.exec;

import dev.sluice.api.Task;
import dev.sluice.engine.HandlerOutcome;
import java.lang.reflect.Constructor;
import java.lang.reflect.Modifier;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a {@code handler} task: a {@link Task} class, instantiated fresh for each try through its public no-argument
 * constructor, on a thread of its own so that the timeout and the caller's interrupt can both be enforced. On either,
 * the task's thread is interrupted; a task that ignores interrupts keeps running in the background (a daemon
 * thread), and its late result is dropped.
 */
final class HandlerRunner {
    private final ClassLoader loader;
    private final String classpathHint;

    HandlerRunner(ClassLoader loader, boolean hasExtraClasspath) {
        this.loader = loader;
        this.classpathHint = hasExtraClasspath ? "check the --classpath jars" : "add --classpath JAR";
    }

    Outcome run(Attempt a, String className, AttemptLog log) {
        log.header(a, "handler: " + className);
        Task task;
        try {
            task = instantiate(className);
        } catch (HandlerException e) {
            log.note(e.getMessage());
            return new Outcome.Failed(e.getMessage(), false);
        }
        var context = new LogFileContext(a.context() != null ? a.context() : LogFileContext.fromAttempt(a), log);
        CompletableFuture<Outcome> result = new CompletableFuture<>();
        Thread worker = new Thread(() -> result.complete(call(task, context, log)),
                "sluice-" + a.label() + "-" + a.tryNumber());
        worker.setDaemon(true);
        worker.setContextClassLoader(loader);
        long started = System.nanoTime();
        worker.start();
        try {
            Outcome o = a.timeout() == null ? result.get() : result.get(a.timeout().toNanos(), TimeUnit.NANOSECONDS);
            log.note(describe(o) + " after " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms");
            return o;
        } catch (TimeoutException e) {
            worker.interrupt();
            log.note("timed out after " + a.timeout() + "; interrupted the handler thread");
            return new Outcome.TimedOut(a.timeout());
        } catch (InterruptedException e) {
            worker.interrupt();
            log.note("interrupted; interrupted the handler thread");
            Thread.currentThread().interrupt();
            return new Outcome.Failed("interrupted", true);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the handler thread completes normally", e); // call() never throws
        }
    }

    /**
     * Runs a {@link dev.sluice.api.Callback} class with its context, on a thread of its own, within {@code timeout}.
     * Returns null when it returned, else what went wrong (logged). Never throws.
     */
    String runCallback(String className, dev.sluice.api.CallbackContext ctx, java.time.Duration timeout,
                       AttemptLog log) {
        dev.sluice.api.Callback cb;
        try {
            cb = instantiate(className, dev.sluice.api.Callback.class, "callback");
        } catch (HandlerException e) {
            log.note(e.getMessage());
            return e.getMessage();
        }
        CompletableFuture<String> result = new CompletableFuture<>();
        Thread worker = new Thread(() -> {
            try {
                cb.call(ctx);
                result.complete(null);
            } catch (Throwable t) {
                log.stackTrace(t);
                result.complete(className + " threw " + t);
            }
        }, "sluice-callback-" + ctx.event());
        worker.setDaemon(true);
        worker.setContextClassLoader(loader);
        worker.start();
        try {
            String error = result.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            log.note(error == null ? "callback returned" : error);
            return error;
        } catch (TimeoutException e) {
            worker.interrupt();
            log.note("callback timed out after " + timeout + "; interrupted its thread");
            return "timed out after " + timeout;
        } catch (InterruptedException e) {
            worker.interrupt();
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (ExecutionException e) {
            return String.valueOf(e.getCause());
        }
    }

    /** Runs the handler and reports what it came to, as {@link HandlerOutcome} classifies it for every runtime. */
    private static Outcome call(Task task, LogFileContext context, AttemptLog log) {
        HandlerOutcome o = HandlerOutcome.of(task, context);
        if (o instanceof HandlerOutcome.Succeeded s) {
            return new Outcome.Succeeded(s.outputJson());
        } else if (o instanceof HandlerOutcome.Skipped s) {
            return new Outcome.Skipped(s.reason());
        }
        HandlerOutcome.Failed f = (HandlerOutcome.Failed) o;
        if (f.cause() != null) {
            log.stackTrace(f.cause());
        }
        return new Outcome.Failed(f.error(), f.retryable());
    }

    private Task instantiate(String className) throws HandlerException {
        return instantiate(className, Task.class, "handler");
    }

    private <T> T instantiate(String className, Class<T> type, String what) throws HandlerException {
        Class<?> c;
        try {
            c = Class.forName(className, true, loader);
        } catch (ClassNotFoundException | NoClassDefFoundError e) {
            throw new HandlerException("handler class " + className + " not found on the classpath ("
                    + classpathHint + ")");
        } catch (LinkageError e) {
            throw new HandlerException("handler class " + className + " cannot be loaded: " + e);
        }
        if (!type.isAssignableFrom(c)) {
            throw new HandlerException(what + " class " + className + " does not implement " + type.getName());
        }
        if (Modifier.isAbstract(c.getModifiers())) {
            throw new HandlerException("handler class " + className + " is abstract");
        }
        Constructor<?> ctor;
        try {
            ctor = c.getConstructor();
        } catch (NoSuchMethodException e) {
            throw new HandlerException("handler class " + className + " has no public no-argument constructor");
        }
        try {
            return type.cast(ctor.newInstance());
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new HandlerException("handler class " + className + " could not be created: " + cause);
        }
    }

    private static String describe(Outcome o) {
        if (o instanceof Outcome.Failed f) {
            return "failed: " + f.error();
        } else if (o instanceof Outcome.Skipped s) {
            return "skipped: " + s.reason();
        }
        return o instanceof Outcome.Succeeded ? "succeeded" : "timed out";
    }

    private static final class HandlerException extends Exception {
        HandlerException(String message) {
            super(message);
        }
    }
}
