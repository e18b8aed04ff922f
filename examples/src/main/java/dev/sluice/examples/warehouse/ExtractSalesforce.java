package dev.sluice.examples.warehouse;

import dev.sluice.api.Task;
import dev.sluice.api.TaskContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Extracts accounts from the (simulated) Salesforce API; the DAG limits it with a pool. */
public final class ExtractSalesforce implements Task {
    @Override
    public Object run(TaskContext ctx) {
        Work.sleep(ctx);
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            rows.add("sf-" + i + "," + ctx.ds());
        }
        return Map.of("table", "salesforce", "rows", Work.writePartition(ctx, "salesforce", rows));
    }
}
