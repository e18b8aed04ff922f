package dev.sluice.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;

/** The tick: EventBridge Scheduler's input {@code {"source":"sluice.tick"}} (or a rule's Scheduled Event). */
public final class TickHandler implements RequestHandler<ScheduledEvent, Void> {
    public static final String TICK_SOURCE = "sluice.tick";

    private final Coordinator coordinator;

    public TickHandler(Coordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public Void handleRequest(ScheduledEvent event, Context context) {
        coordinator.tick();
        return null;
    }
}
