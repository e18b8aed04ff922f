package dev.sluice.functions;

import dev.sluice.engine.BreakerState;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.RunView;
import dev.sluice.engine.TaskInstance;
import dev.sluice.engine.TaskKey;
import dev.sluice.infra.PayloadStore;
import java.util.Iterator;

/**
 * The store's view of a run, with outputs that the task runtime offloaded to S3 ({@code {"$ref":"s3://..."}})
 * loaded back when the engine maps over them ({@code expand_from}). Stored instances keep the reference; only an
 * expansion reads the object, once.
 */
final class OffloadedOutputsView implements RunView {
    private final RunView view;
    private final PayloadStore payloads;

    OffloadedOutputsView(RunView view, PayloadStore payloads) {
        this.view = view;
        this.payloads = payloads;
    }

    static RunView of(RunView view, PayloadStore payloads) {
        return payloads == null ? view : new OffloadedOutputsView(view, payloads);
    }

    @Override
    public String loadOutput(String outputJson) {
        return payloads.resolve(view.loadOutput(outputJson));
    }

    @Override
    public DagRun run() {
        return view.run();
    }

    @Override
    public TaskInstance instance(TaskKey key) {
        return view.instance(key);
    }

    @Override
    public Iterator<TaskInstance> scheduledInPriorityOrder() {
        return view.scheduledInPriorityOrder();
    }

    @Override
    public int poolUsed(String pool) {
        return view.poolUsed(pool);
    }

    @Override
    public dev.sluice.engine.Pool pool(String name) {
        return view.pool(name);
    }

    @Override
    public int runningRunsOfDag() {
        return view.runningRunsOfDag();
    }

    @Override
    public void prefetch(java.util.Collection<TaskKey> keys) {
        view.prefetch(keys); // one BatchGetItem for a completion's downstream instances, not one GetItem each
    }

    @Override
    public BreakerState breaker(String name) {
        return view.breaker(name);
    }

    @Override
    public DagRun previousRun(java.time.Instant logicalDate, boolean skipManual) {
        return view.previousRun(logicalDate, skipManual);
    }

    @Override
    public TaskInstance otherRunInstance(String runId, TaskKey key) {
        return view.otherRunInstance(runId, key);
    }
}
