package dev.sluice.examples.warehouse;

import dev.sluice.api.Task;
import dev.sluice.api.TaskContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs whatever happened upstream (trigger rule all_done) and records a completion notice. */
public final class SendNotification implements Task {
    @Override
    public Object run(TaskContext ctx) {
        Work.append(ctx, "notifications.log", "run " + ctx.runId() + " finished; upstream outputs: "
                + ctx.upstreamOutputs().keySet());
        return "notified";
    }
}
