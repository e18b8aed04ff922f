package dev.sluice.cli.exec;

import dev.sluice.api.TaskContext;
import java.time.Instant;
import java.util.Map;

/**
 * The context a handler sees: the caller's context, with {@link #log(String)} writing to the try's log file. The
 * executor owns the log file, so the caller's own {@code log} is never called.
 */
final class LogFileContext implements TaskContext {
    private final TaskContext delegate;
    private final AttemptLog log;

    LogFileContext(TaskContext delegate, AttemptLog log) {
        this.delegate = delegate;
        this.log = log;
    }

    @Override public String dagId() { return delegate.dagId(); }
    @Override public String runId() { return delegate.runId(); }
    @Override public String taskId() { return delegate.taskId(); }
    @Override public int mapIndex() { return delegate.mapIndex(); }
    @Override public Object item() { return delegate.item(); }
    @Override public int tryNumber() { return delegate.tryNumber(); }
    @Override public int maxTries() { return delegate.maxTries(); }
    @Override public Instant logicalDate() { return delegate.logicalDate(); }
    @Override public Instant dataIntervalStart() { return delegate.dataIntervalStart(); }
    @Override public Instant dataIntervalEnd() { return delegate.dataIntervalEnd(); }
    @Override public String ds() { return delegate.ds(); }
    @Override public Map<String, Object> params() { return delegate.params(); }
    @Override public Map<String, Object> upstreamOutputs() { return delegate.upstreamOutputs(); }

    @Override public String variable(String name) { return delegate.variable(name); }
    @Override public dev.sluice.api.Connection connection(String connId) { return delegate.connection(connId); }

    @Override
    public void log(String message) {
        log.note("[" + delegate.taskId() + "] " + message);
    }

    /** A context built from the attempt alone, for callers that have no richer one (tests, `dags test`-style runs). */
    static TaskContext fromAttempt(Attempt a) {
        return new TaskContext() {
            @Override public String dagId() { return a.dagId(); }
            @Override public String runId() { return a.runId(); }
            @Override public String taskId() { return a.taskId(); }
            @Override public int mapIndex() { return a.mapIndex(); }
            @Override public Object item() { return null; }
            @Override public int tryNumber() { return a.tryNumber(); }
            @Override public int maxTries() { return a.maxTries(); }
            @Override public Instant logicalDate() { return null; }
            @Override public Instant dataIntervalStart() { return null; }
            @Override public Instant dataIntervalEnd() { return null; }
            @Override public String ds() { return null; }
            @Override public Map<String, Object> params() { return a.spec().params(); }
            @Override public Map<String, Object> upstreamOutputs() { return Map.of(); }
            @Override public void log(String message) { }
        };
    }
}
