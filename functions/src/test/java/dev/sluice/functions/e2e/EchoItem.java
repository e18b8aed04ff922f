package dev.sluice.functions.e2e;

import dev.sluice.api.Task;
import dev.sluice.api.TaskContext;

/** A handler task that returns the item it was mapped over, so a test can see that each instance got its own. */
public final class EchoItem implements Task {
    @Override
    public Object run(TaskContext context) {
        return context.item();
    }
}
