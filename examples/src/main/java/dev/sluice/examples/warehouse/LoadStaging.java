package dev.sluice.examples.warehouse;

import dev.sluice.api.Task;
import dev.sluice.api.TaskContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Loads the extracted partitions into staging; its output is the row count per table. */
public final class LoadStaging implements Task {
    @Override
    public Object run(TaskContext ctx) {
        Work.sleep(ctx);
        List<String> staged = new ArrayList<>();
        int total = 0;
        for (String table : List.of("salesforce", "postgres", "apis")) {
            List<String> rows = Work.readPartition(ctx, table);
            if (rows.isEmpty()) {
                throw new IllegalStateException("partition " + table + " for " + ctx.ds() + " is missing");
            }
            staged.addAll(rows);
            total += rows.size();
        }
        Work.writePartition(ctx, "staging", staged);
        return Map.of("rows", total, "batch_id", ctx.dagId() + "__" + ctx.ds());
    }
}
