package dev.sluice.examples.warehouse;

import dev.sluice.api.Task;
import dev.sluice.api.TaskContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs the (simulated) dbt models over staging; outputs the models built. */
public final class RunDbtModels implements Task {
    @Override
    public Object run(TaskContext ctx) {
        Work.sleep(ctx);
        int rows = Work.readPartition(ctx, "staging").size();
        Work.writePartition(ctx, "fct_activity", List.of("rows," + rows));
        return Map.of("models", List.of("stg_accounts", "stg_orders", "fct_activity"), "rows", rows);
    }
}
