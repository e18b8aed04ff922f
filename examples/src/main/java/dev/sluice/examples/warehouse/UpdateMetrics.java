package dev.sluice.examples.warehouse;

import dev.sluice.api.Task;
import dev.sluice.api.TaskContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Updates business metrics from the fact table. */
public final class UpdateMetrics implements Task {
    @Override
    public Object run(TaskContext ctx) {
        Work.sleep(ctx);
        Work.append(ctx, "metrics.log", ctx.runId() + " rows=" + Work.readPartition(ctx, "staging").size());
        return Map.of("metrics_updated", true);
    }
}
