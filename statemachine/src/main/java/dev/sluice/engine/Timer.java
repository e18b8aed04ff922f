package dev.sluice.engine;

import java.time.Instant;

/** Wake the run at {@code fireAt} with a {@link Event.TimerFired}. Adapters use SQS delays, timer items or sleeps. */
public record Timer(String runId, TaskKey task, int tryNumber, Instant fireAt, Kind kind) {
    public enum Kind { RETRY, RESCHEDULE, SLA, DEADLINE }
}
