package dev.sluice.functions;

import com.amazonaws.services.lambda.runtime.Context;
import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * How much more one invocation may start: a unit of work (one DAG's due runs, one run nudged, one stored timer, one
 * overdue try, one queue message) starts only while more than the safety margin of the invocation's time is left
 * ({@link Context#getRemainingTimeInMillis()}), so the invocation ends before Lambda's timeout cuts it off and what
 * it did not start continues elsewhere (a tick in a {@code tick} message, a batch's rest as batch item failures).
 *
 * <p>The margin must hold the longest unit: a decision that loses races and decides again, its dispatches and
 * messages. A margin is capped at half of the time the invocation starts with, and the first unit of a budget
 * always starts, so a margin as long as the timeout still makes progress instead of passing the same work on
 * forever.
 */
public final class WorkBudget {
    private final LongSupplier remainingMillis;
    private final long marginMillis;
    private boolean started;
    private int units;

    private WorkBudget(LongSupplier remainingMillis, Duration margin) {
        this.remainingMillis = remainingMillis;
        this.marginMillis = margin.toMillis();
    }

    /** The budget of a Lambda invocation; without a context (a direct call), no bound. */
    public static WorkBudget of(Context context, Duration margin) {
        Objects.requireNonNull(margin, "margin");
        if (context == null) {
            return unlimited();
        }
        long atStart = context.getRemainingTimeInMillis();
        Duration capped = margin.toMillis() > atStart / 2 ? Duration.ofMillis(atStart / 2) : margin;
        return new WorkBudget(() -> context.getRemainingTimeInMillis(), capped);
    }

    /** No time bound: every unit starts. */
    public static WorkBudget unlimited() {
        return new WorkBudget(() -> Long.MAX_VALUE, Duration.ZERO);
    }

    /**
     * True when one more unit may start (and counts it as started); false once no more than the margin is left.
     * The first call of a budget is always true.
     */
    public boolean next() {
        long left = remainingMillis.getAsLong();
        if (started && left <= marginMillis) {
            return false;
        }
        started = true;
        units++;
        return true;
    }

    /** A budget over the same remaining time whose own first unit always starts (a tick continued by a message). */
    public WorkBudget nested() {
        return new WorkBudget(remainingMillis, Duration.ofMillis(marginMillis));
    }

    /** Units started so far. */
    public int units() {
        return units;
    }

    public long remainingMillis() {
        return remainingMillis.getAsLong();
    }
}
