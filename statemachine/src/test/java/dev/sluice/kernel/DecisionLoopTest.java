package dev.sluice.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.engine.DagRun;
import dev.sluice.engine.Decision;
import dev.sluice.engine.Engine;
import dev.sluice.engine.Event;
import dev.sluice.engine.RunType;
import dev.sluice.engine.RunView;
import dev.sluice.engine.TaskInstance;
import dev.sluice.engine.TaskKey;
import dev.sluice.engine.Timer;
import dev.sluice.model.Dag;
import dev.sluice.model.DagBuilder;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import dev.sluice.store.ConcurrentUpdateException;
import dev.sluice.store.InMemoryStateStore;
import dev.sluice.store.StateStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DecisionLoopTest {
    private static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");
    private final Dag dag = DagBuilder.dag("d").task("a", t -> t.command("x"))
            .task("b", t -> t.command("x").upstream("a")).build();
    private final Engine engine = new Engine(dag);
    private final List<Duration> slept = new ArrayList<>();
    private final List<DecisionLoop.LostRace> races = new ArrayList<>();

    /** A store whose next {@code failures} writes lose a race. */
    private static final class Losing implements StateStore {
        private final InMemoryStateStore inner = new InMemoryStateStore();
        int failures;
        int applies;

        @Override
        public void apply(Decision d) {
            applies++;
            if (failures > 0) {
                failures--;
                throw new ConcurrentUpdateException("lost");
            }
            inner.apply(d);
        }

        @Override
        public RunView view(Dag dag, String runId) {
            return inner.view(dag, runId);
        }

        @Override
        public List<dev.sluice.engine.Effect> effects(String runId) {
            return inner.effects(runId);
        }

        @Override
        public boolean claimEffect(dev.sluice.engine.Effect effect) {
            return inner.claimEffect(effect);
        }

        @Override
        public void finishEffect(dev.sluice.engine.Effect effect, dev.sluice.engine.Effect.State state,
                                 String detail) {
            inner.finishEffect(effect, state, detail);
        }

        @Override
        public void putDagVersion(String dagId, String version, String specText) {
            inner.putDagVersion(dagId, version, specText);
        }

        @Override
        public Optional<String> dagVersion(String dagId, String version) {
            return inner.dagVersion(dagId, version);
        }

        @Override
        public Optional<DagRun> run(String runId) {
            return inner.run(runId);
        }

        @Override
        public List<DagRun> runs(String dagId, int limit) {
            return inner.runs(dagId, limit);
        }

        @Override
        public List<DagRun> runs(String dagId, RunState state, int limit) {
            return inner.runs(dagId, state, limit);
        }

        @Override
        public Optional<Instant> latestLogicalDate(String dagId, String runIdPrefix) {
            return inner.latestLogicalDate(dagId, runIdPrefix);
        }

        @Override
        public List<TaskInstance> instances(String runId) {
            return inner.instances(runId);
        }

        @Override
        public List<Timer> dueTimers(Instant now, int limit) {
            return inner.dueTimers(now, limit);
        }

        @Override
        public void deleteTimer(Timer timer) {
            inner.deleteTimer(timer);
        }

        @Override
        public int poolUsed(String pool) {
            return inner.poolUsed(pool);
        }

        @Override
        public List<dev.sluice.engine.BreakerState> breakers() {
            return inner.breakers();
        }

        @Override
        public boolean resetBreaker(String name) {
            return inner.resetBreaker(name);
        }

        @Override
        public List<dev.sluice.engine.Pool> pools() {
            return inner.pools();
        }

        @Override
        public void setPool(String name, int size, String description) {
            inner.setPool(name, size, description);
        }

        @Override
        public PoolDeletion deletePool(String name) {
            return inner.deletePool(name);
        }
    }

    private DecisionLoop loop(StateStore store, RetryOptions retry) {
        return DecisionLoop.builder(store).retry(retry).clock(() -> T0).random(new Random(1))
                .sleeper(slept::add).listener(races::add).build();
    }

    private static Event.RunRequested request(String runId) {
        return new Event.RunRequested(runId, RunType.MANUAL, T0, T0, T0, null, "v1");
    }

    @Test
    void aLostWriteIsDecidedAgainAfterABackoffAndReported() {
        Losing store = new Losing();
        store.failures = 2;
        AppliedDecision applied = loop(store, RetryOptions.defaults()).run(engine, "r1", request("r1"));
        assertThat(applied.attempts()).isEqualTo(3);
        assertThat(store.applies).isEqualTo(3);
        assertThat(store.run("r1")).isPresent();
        assertThat(slept).hasSize(2).allSatisfy(d -> assertThat(d).isPositive()
                .isLessThanOrEqualTo(Duration.ofMillis(200)));
        assertThat(races).extracting(DecisionLoop.LostRace::attempt).containsExactly(1, 2);
        assertThat(races).allSatisfy(r -> {
            assertThat(r.deciding()).isFalse();
            assertThat(r.runId()).isEqualTo("r1");
            assertThat(r.dagId()).isEqualTo("d");
        });
    }

    @Test
    void itGivesUpAfterMaxAttempts() {
        Losing store = new Losing();
        store.failures = 100;
        DecisionLoop loop = loop(store, RetryOptions.builder().maxAttempts(3).noBackoff().build());
        assertThatThrownBy(() -> loop.run(engine, "r1", request("r1"))).isInstanceOf(ConcurrentUpdateException.class);
        assertThat(store.applies).isEqualTo(3);
        assertThat(slept).isEmpty();
        assertThat(races).hasSize(2);
    }

    @Test
    void itHandsBackTheInstancesAsTheyWereBefore() {
        Losing store = new Losing();
        DecisionLoop loop = loop(store, RetryOptions.defaults());
        AppliedDecision created = loop.run(engine, "r1", request("r1"));
        assertThat(created.before(TaskKey.of("a"))).isNull();
        assertThat(created.run().state()).isEqualTo(RunState.RUNNING);
        AppliedDecision done = loop.run(engine, "r1", new Event.TaskSucceeded(TaskKey.of("a"), 1, null));
        assertThat(done.before(TaskKey.of("a")).state()).isEqualTo(TaskState.QUEUED);
        assertThat(done.after(TaskKey.of("a")).state()).isEqualTo(TaskState.SUCCESS);
        assertThat(done.before(TaskKey.of("b"))).isNull();
        assertThat(done.now()).isEqualTo(T0);
    }

    @Test
    void aDecisionThatWritesNothingIsNotApplied() {
        Losing store = new Losing();
        DecisionLoop loop = loop(store, RetryOptions.defaults());
        loop.run(engine, "r1", request("r1"));
        List<Decision> before = new ArrayList<>();
        AppliedDecision again = loop.run(engine, "r1", request("r1"), before::add);
        assertThat(again.decision().isNoop()).isTrue();
        assertThat(before).isEmpty();
        assertThat(store.applies).isEqualTo(1);
    }

    @Test
    void retryOptionsAreValidatedAndBackOffWithinBounds() {
        assertThatThrownBy(() -> RetryOptions.builder().maxAttempts(0).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RetryOptions.builder().baseBackoff(Duration.ofSeconds(2))
                .maxBackoff(Duration.ofSeconds(1)).build()).isInstanceOf(IllegalArgumentException.class);
        RetryOptions r = RetryOptions.defaults();
        Random random = new Random(3);
        for (int attempt = 1; attempt < 40; attempt++) {
            Duration d = r.backoff(attempt, random);
            Duration cap = Duration.ofMillis(Math.min(200, 5L << Math.min(attempt, 30)));
            assertThat(d).isBetween(cap.dividedBy(2), cap);
        }
    }
}
