package dev.sluice.testkit;

import dev.sluice.api.Task;
import dev.sluice.api.TaskContext;

/** A mapped handler of the kit's test DAG: its item squared. */
public final class Square implements Task {
    @Override
    public Object run(TaskContext ctx) {
        return ((Number) ctx.item()).intValue() * ((Number) ctx.item()).intValue();
    }
}
