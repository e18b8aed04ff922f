package dev.sluice.examples.warehouse;

import dev.sluice.api.Task;
import dev.sluice.api.TaskContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A data-quality checkpoint: fails (non-retryable) when the fact table is empty or below {@code min_rows}. */
public final class QualityChecks implements Task {
    @Override
    public Object run(TaskContext ctx) {
        Work.sleep(ctx);
        int min = Work.intParam(ctx, "min_rows", 1);
        int rows = Work.readPartition(ctx, "staging").size();
        if (rows < min) {
            throw new dev.sluice.api.NonRetryableTaskException("quality check failed: " + rows + " rows < " + min);
        }
        return Map.of("checks", 3, "passed", 3, "rows", rows);
    }
}
