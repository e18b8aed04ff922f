package dev.sluice.examples.warehouse;

import dev.sluice.api.Task;
import dev.sluice.api.TaskContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Checks that the sources for the logical date are reachable; fails (non-retryable) when told they are not. */
public final class CheckSources implements Task {
    @Override
    public Object run(TaskContext ctx) {
        Work.sleep(ctx);
        if (Boolean.TRUE.equals(ctx.params().get("sources_down"))) {
            throw new dev.sluice.api.NonRetryableTaskException("sources are down for " + ctx.ds());
        }
        return Map.of("available", List.of("salesforce", "postgres", "apis"), "ds", ctx.ds());
    }
}
