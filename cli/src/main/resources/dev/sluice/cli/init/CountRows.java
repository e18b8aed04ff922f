package example.tasks;

import dev.sluice.api.NonRetryableTaskException;
import dev.sluice.api.SkipTask;
import dev.sluice.api.Task;
import dev.sluice.api.TaskContext;
import java.util.List;
import java.util.Map;

/** Counts the rows that the upstream task {@code extract} printed (a JSON array), for the table in the params. */
public final class CountRows implements Task {
    @Override
    public Object run(TaskContext ctx) {
        Object rows = ctx.upstreamOutput("extract");
        if (!(rows instanceof List<?> list)) {
            throw new NonRetryableTaskException("extract gave no JSON array but " + rows); // failed, no retries
        }
        if (list.isEmpty()) {
            throw new SkipTask("nothing extracted"); // skipped, and so are the tasks downstream
        }
        String table = String.valueOf(ctx.params().get("table"));
        ctx.log("counted " + list.size() + " rows of " + table);
        return Map.of("table", table, "rows", list.size(), "day", ctx.ds()); // the output, stored as JSON
    }
}
