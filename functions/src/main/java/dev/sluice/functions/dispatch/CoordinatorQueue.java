package dev.sluice.functions.dispatch;

import dev.sluice.functions.message.CoordinatorMessage;
import java.time.Duration;

/** The coordinator's SQS queue, as the coordinator and the task runtime write to it. */
public interface CoordinatorQueue {
    /** The longest delay SQS supports; longer timers stay stored and the tick fires them. */
    Duration MAX_DELAY = Duration.ofSeconds(900);

    /**
     * Sends {@code message}, delivered after {@code delay} (zero or at most {@link #MAX_DELAY}).
     *
     * @throws dev.sluice.infra.DispatchException when the message was not accepted
     */
    void send(CoordinatorMessage message, Duration delay);
}
