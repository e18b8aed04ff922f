package dev.sluice.examples.warehouse;

import dev.sluice.api.Task;
import dev.sluice.api.TaskContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Extracts from flaky external APIs: the first {@code fail_first_tries} tries fail (default 1), so the DAG's
 * {@code retries: 3} is exercised on every run, deterministically.
 */
public final class ExtractApis implements Task {
    @Override
    public Object run(TaskContext ctx) {
        Work.sleep(ctx);
        int failFirst = Work.intParam(ctx, "fail_first_tries", 1);
        if (ctx.tryNumber() <= failFirst) {
            throw new IllegalStateException("external API returned 503 (try " + ctx.tryNumber() + " of "
                    + ctx.maxTries() + ")");
        }
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            rows.add("api-" + i + "," + ctx.ds());
        }
        return Map.of("table", "apis", "rows", Work.writePartition(ctx, "apis", rows));
    }
}
