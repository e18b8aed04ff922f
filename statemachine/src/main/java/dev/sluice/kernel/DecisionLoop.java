package dev.sluice.kernel;

import dev.sluice.engine.Decision;
import dev.sluice.engine.Engine;
import dev.sluice.engine.Event;
import dev.sluice.engine.RunView;
import dev.sluice.engine.TaskInstance;
import dev.sluice.engine.TaskKey;
import dev.sluice.store.ConcurrentUpdateException;
import dev.sluice.store.StateStore;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.random.RandomGenerator;

/**
 * The one loop that turns an event into a written decision, used by every runtime: a fresh view, decide, apply; a
 * lost race (a conditional write that failed, or a decision that meets another decision's ordered writes still
 * landing, both {@link ConcurrentUpdateException}) is decided again on a fresh view after a backoff, within
 * {@link RetryOptions}. Runtimes act only on what it returns.
 *
 * <p>Time, randomness and the pause between attempts are injected, so this stays pure and tests never sleep:
 * <pre>{@code
 * DecisionLoop loop = DecisionLoop.builder(store).clock(clock::instant).random(random)
 *         .sleeper(d -> Thread.sleep(d.toMillis())).build();
 * AppliedDecision applied = loop.run(engine, runId, event);
 * }</pre>
 */
public final class DecisionLoop {

    /** Pauses between two attempts. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    /**
     * A lost race, before the event is decided again.
     *
     * @param attempt  the attempt that lost (1 = the first)
     * @param deciding true when the engine itself found another decision's writes still landing; false when the
     *                 write lost
     */
    public record LostRace(String dagId, String runId, Event event, int attempt, ConcurrentUpdateException error,
                           boolean deciding) {
    }

    /** Hears about lost races (for logs). */
    @FunctionalInterface
    public interface Listener {
        void lostRace(LostRace race);
    }

    /** A side effect that must happen before a decision is written (e.g. a watchdog for each claimed try). */
    @FunctionalInterface
    public interface BeforeApply {
        void beforeApply(Decision decision);
    }

    private final StateStore store;
    private final RetryOptions retry;
    private final Supplier<Instant> clock;
    private final RandomGenerator random;
    private final Sleeper sleeper;
    private final Listener listener;
    private final UnaryOperator<RunView> views;

    private DecisionLoop(Builder b) {
        this.store = Objects.requireNonNull(b.store, "store");
        this.retry = Objects.requireNonNull(b.retry, "retry");
        this.clock = Objects.requireNonNull(b.clock, "clock");
        this.random = Objects.requireNonNull(b.random, "random");
        this.sleeper = Objects.requireNonNull(b.sleeper, "sleeper");
        this.listener = b.listener;
        this.views = b.views;
    }

    public static Builder builder(StateStore store) {
        return new Builder(store);
    }

    public RetryOptions retry() {
        return retry;
    }

    /** Decides {@code event} for {@code runId} with {@code engine} and writes it; see the class comment. */
    public AppliedDecision run(Engine engine, String runId, Event event) {
        return run(engine, runId, event, null);
    }

    /** As {@link #run(Engine, String, Event)}, calling {@code beforeApply} before each write of a decision. */
    public AppliedDecision run(Engine engine, String runId, Event event, BeforeApply beforeApply) {
        for (int attempt = 1; ; attempt++) {
            RunView view = views.apply(store.view(engine.dag(), runId));
            Instant now = clock.get();
            Decision d;
            boolean deciding = true;
            try {
                d = engine.decide(view, event, now, random);
                Map<TaskKey, TaskInstance> before = before(view, d);
                if (writes(d)) {
                    deciding = false;
                    if (beforeApply != null) {
                        beforeApply.beforeApply(d);
                    }
                    store.apply(d);
                }
                return new AppliedDecision(d, before, d.run() != null ? d.run() : view.run(), view, now, attempt);
            } catch (ConcurrentUpdateException lost) {
                if (attempt >= retry.maxAttempts()) {
                    throw lost;
                }
                if (listener != null) {
                    listener.lostRace(new LostRace(engine.dag().dagId(), runId, event, attempt, lost, deciding));
                }
                pause(attempt);
            }
        }
    }

    /** Whether applying {@code d} writes anything: records, timers or pool slots. */
    static boolean writes(Decision d) {
        return !d.isNoop() || !d.timers().isEmpty() || d.poolDeltas().values().stream().anyMatch(v -> v != 0);
    }

    /** The instances the decision writes as they were: read through the view (cached), none for a new run. */
    private static Map<TaskKey, TaskInstance> before(RunView view, Decision d) {
        Map<TaskKey, TaskInstance> out = new HashMap<>();
        boolean newRun = d.run() != null && d.run().version() == 1;
        for (TaskInstance after : d.instances()) {
            out.put(after.key(), newRun ? null : view.instance(after.key()));
        }
        return out;
    }

    private void pause(int attempt) {
        Duration d = retry.backoff(attempt, random);
        if (d.isZero()) {
            return;
        }
        try {
            sleeper.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while retrying a conflicting write", e);
        }
    }

    /** Builds a {@link DecisionLoop} by name; the clock, the random source and the sleeper are required. */
    public static final class Builder {
        private final StateStore store;
        private RetryOptions retry = RetryOptions.defaults();
        private Supplier<Instant> clock;
        private RandomGenerator random;
        private Sleeper sleeper;
        private Listener listener;
        private UnaryOperator<RunView> views = UnaryOperator.identity();

        private Builder(StateStore store) {
            this.store = store;
        }

        public Builder retry(RetryOptions r) {
            this.retry = r;
            return this;
        }

        public Builder clock(Supplier<Instant> c) {
            this.clock = c;
            return this;
        }

        public Builder random(RandomGenerator r) {
            this.random = r;
            return this;
        }

        public Builder sleeper(Sleeper s) {
            this.sleeper = s;
            return this;
        }

        public Builder listener(Listener l) {
            this.listener = l;
            return this;
        }

        /** Wraps each fresh view (e.g. to load offloaded outputs). */
        public Builder views(UnaryOperator<RunView> v) {
            this.views = Objects.requireNonNull(v, "views");
            return this;
        }

        public DecisionLoop build() {
            return new DecisionLoop(this);
        }
    }
}
