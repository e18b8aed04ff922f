package dev.sluice.examples.warehouse;

import dev.sluice.api.Task;
import dev.sluice.api.TaskContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Extracts orders from the (simulated) Postgres source. */
public final class ExtractPostgres implements Task {
    @Override
    public Object run(TaskContext ctx) {
        Work.sleep(ctx);
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            rows.add("order-" + i + "," + ctx.ds());
        }
        return Map.of("table", "postgres", "rows", Work.writePartition(ctx, "postgres", rows));
    }
}
