package dev.sluice.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import java.time.Duration;

/**
 * The tick: EventBridge Scheduler's input {@code {"source":"sluice.tick"}} (or a rule's Scheduled Event). It works
 * while more than the margin of the invocation's time is left ({@link WorkBudget}) and continues the rest in a
 * {@code tick} message.
 */
public final class TickHandler implements RequestHandler<ScheduledEvent, Void> {
    public static final String TICK_SOURCE = "sluice.tick";

    private final Coordinator coordinator;
    private final Duration margin;

    public TickHandler(Coordinator coordinator) {
        this(coordinator, Env.DEFAULT_TIME_MARGIN);
    }

    /** @param margin the time an invocation keeps in hand: no unit of work starts with less left */
    public TickHandler(Coordinator coordinator, Duration margin) {
        this.coordinator = coordinator;
        this.margin = margin;
    }

    @Override
    public Void handleRequest(ScheduledEvent event, Context context) {
        coordinator.tick(WorkBudget.of(context, margin));
        return null;
    }
}
