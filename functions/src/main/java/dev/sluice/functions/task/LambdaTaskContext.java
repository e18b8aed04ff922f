package dev.sluice.functions.task;

import dev.sluice.api.TaskContext;
import dev.sluice.functions.message.TaskInvocation;
import dev.sluice.functions.obs.JsonLog;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What a task sees when it runs in a task function. Upstream outputs are loaded on first use, so a mapped instance
 * that needs only its item never downloads an offloaded list. {@link #log} writes a JSON line with the
 * correlation ids.
 */
final class LambdaTaskContext implements TaskContext {
    private final TaskInvocation inv;
    private final Object item;
    private final Map<String, Object> params;
    private final Supplier<Map<String, Object>> outputs;
    private Map<String, Object> loaded;
    private final JsonLog log;

    /** @param outputs loads the upstream outputs (offloaded ones from S3) the first time the task asks for them */
    LambdaTaskContext(TaskInvocation inv, Object item, Map<String, Object> params,
                      Supplier<Map<String, Object>> outputs, JsonLog log) {
        this.inv = inv;
        this.item = item;
        this.params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        this.outputs = outputs;
        this.log = log;
    }

    @Override public String dagId() { return inv.task().dagId(); }
    @Override public String runId() { return inv.task().runId(); }
    @Override public String taskId() { return inv.task().taskId(); }
    @Override public int mapIndex() { return inv.task().mapIndex(); }
    @Override public Object item() { return item; }
    @Override public int tryNumber() { return inv.task().tryNumber(); }
    @Override public int maxTries() { return inv.maxTries(); }
    @Override public Instant logicalDate() { return inv.logicalDate(); }
    @Override public Instant dataIntervalStart() { return inv.dataIntervalStart(); }
    @Override public Instant dataIntervalEnd() { return inv.dataIntervalEnd(); }
    @Override public String ds() { return inv.ds(); }
    @Override public Map<String, Object> params() { return params; }

    @Override
    public synchronized Map<String, Object> upstreamOutputs() {
        if (loaded == null) {
            loaded = Collections.unmodifiableMap(new LinkedHashMap<>(outputs.get()));
        }
        return loaded;
    }

    @Override
    public void log(String message) {
        log.info("task_log", "message", message);
    }
}
