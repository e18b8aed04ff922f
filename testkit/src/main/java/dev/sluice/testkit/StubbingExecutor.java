package dev.sluice.testkit;

import dev.sluice.cli.exec.Attempt;
import dev.sluice.cli.exec.Outcome;
import dev.sluice.cli.exec.TaskExecutor;
import dev.sluice.engine.HandlerOutcome;
import dev.sluice.engine.Json;
import java.nio.file.Path;
import java.util.Map;

/** Runs a stubbed task's stub, and every other task with the real local executor. */
final class StubbingExecutor implements TaskExecutor {
    private final TaskExecutor real;
    private final Map<String, Stub> stubs;

    StubbingExecutor(TaskExecutor real, Map<String, Stub> stubs) {
        this.real = real;
        this.stubs = Map.copyOf(stubs);
    }

    @Override
    public Outcome execute(Attempt attempt) {
        Stub stub = stubs.get(attempt.taskId());
        if (stub == null) {
            return real.execute(attempt);
        }
        if (stub instanceof Stub.Output o) {
            return new Outcome.Succeeded(o.value() == null ? null : Json.write(o.value()));
        } else if (stub instanceof Stub.Fail f) {
            return new Outcome.Failed(f.error(), f.retryable());
        } else if (stub instanceof Stub.Skip s) {
            return new Outcome.Skipped(s.reason());
        }
        HandlerOutcome h = HandlerOutcome.of(((Stub.WithTask) stub).task(), attempt.context());
        if (h instanceof HandlerOutcome.Succeeded s) {
            return new Outcome.Succeeded(s.outputJson());
        } else if (h instanceof HandlerOutcome.Skipped s) {
            return new Outcome.Skipped(s.reason());
        }
        HandlerOutcome.Failed f = (HandlerOutcome.Failed) h;
        return new Outcome.Failed(f.error(), f.retryable());
    }

    @Override
    public Map<Path, String> endLeftovers(Path runLogs) {
        return real.endLeftovers(runLogs);
    }

    @Override
    public String callback(String className, dev.sluice.api.CallbackContext context, java.time.Duration timeout,
                           java.nio.file.Path logFile) {
        return real.callback(className, context, timeout, logFile);
    }
}
