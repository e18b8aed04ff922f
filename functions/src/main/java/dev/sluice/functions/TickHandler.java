package dev.sluice.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import dev.sluice.functions.dispatch.DeadLetterRedrive;
import java.time.Duration;

/**
 * The tick: EventBridge Scheduler's input {@code {"source":"sluice.tick"}} (or a rule's Scheduled Event). It works
 * while more than the margin of the invocation's time is left ({@link WorkBudget}) and continues the rest in a
 * {@code tick} message. First it sends the coordinator DLQ's messages back to the coordinator queue
 * ({@link DeadLetterRedrive}, when the DLQ is configured), so throttling cannot lose a completion.
 */
public final class TickHandler implements RequestHandler<ScheduledEvent, Void> {
    public static final String TICK_SOURCE = "sluice.tick";

    private final Coordinator coordinator;
    private final Duration margin;
    private final DeadLetterRedrive redrive;

    public TickHandler(Coordinator coordinator) {
        this(coordinator, Env.DEFAULT_TIME_MARGIN);
    }

    /** @param margin the time an invocation keeps in hand: no unit of work starts with less left */
    public TickHandler(Coordinator coordinator, Duration margin) {
        this(coordinator, margin, null);
    }

    /** @param redrive the coordinator DLQ's automatic redrive, or null for none */
    public TickHandler(Coordinator coordinator, Duration margin, DeadLetterRedrive redrive) {
        this.coordinator = coordinator;
        this.margin = margin;
        this.redrive = redrive;
    }

    @Override
    public Void handleRequest(ScheduledEvent event, Context context) {
        WorkBudget budget = WorkBudget.of(context, margin);
        if (redrive != null) {
            redrive.redrive(budget);
        }
        coordinator.tick(budget);
        return null;
    }
}
