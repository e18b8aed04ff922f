package dev.sluice.testkit;

import dev.sluice.api.Task;
import dev.sluice.api.TaskContext;
import java.util.List;

/** The sum of the mapped upstream's outputs. */
public final class Total implements Task {
    @Override
    public Object run(TaskContext ctx) {
        ctx.log("adding " + ctx.upstreamOutput("square"));
        return ((List<?>) ctx.upstreamOutput("square")).stream().mapToInt(n -> ((Number) n).intValue()).sum();
    }
}
