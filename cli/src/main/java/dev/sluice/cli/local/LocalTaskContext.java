package dev.sluice.cli.local;

import dev.sluice.api.TaskContext;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.Dispatch;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** What a handler task sees when it runs locally. Its {@code log} lines go to the try's log file (the executor wraps it). */
final class LocalTaskContext implements TaskContext {
    private final String dagId;
    private final DagRun run;
    private final Dispatch dispatch;
    private final String ds;
    private final Object item;
    private final Map<String, Object> params;
    private final Map<String, Object> outputs;
    private final dev.sluice.secrets.Secrets secrets;

    LocalTaskContext(String dagId, DagRun run, Dispatch dispatch, String ds, Object item, Map<String, Object> params,
                     Map<String, Object> outputs, dev.sluice.secrets.Secrets secrets) {
        this.secrets = secrets;
        this.dagId = dagId;
        this.run = run;
        this.dispatch = dispatch;
        this.ds = ds;
        this.item = item;
        this.params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        this.outputs = Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
    }

    @Override public String dagId() { return dagId; }
    @Override public String runId() { return run.runId(); }
    @Override public String taskId() { return dispatch.task().taskId(); }
    @Override public int mapIndex() { return dispatch.task().mapIndex(); }
    @Override public Object item() { return item; }
    @Override public int tryNumber() { return dispatch.tryNumber(); }
    @Override public int maxTries() { return dispatch.maxTries(); }
    @Override public Instant logicalDate() { return run.logicalDate(); }
    @Override public Instant dataIntervalStart() { return run.dataIntervalStart(); }
    @Override public Instant dataIntervalEnd() { return run.dataIntervalEnd(); }
    @Override public String ds() { return ds; }
    @Override public Map<String, Object> params() { return params; }
    @Override public Map<String, Object> upstreamOutputs() { return outputs; }

    @Override
    public String variable(String name) {
        return dev.sluice.secrets.SecretLookups.variable(secrets, name);
    }

    @Override
    public dev.sluice.api.Connection connection(String connId) {
        return dev.sluice.secrets.SecretLookups.connection(secrets, connId);
    }

    @Override
    public void log(String message) {
        // Replaced by the executor's log-file context; reaching here means no log file, so drop quietly.
    }
}
