package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.engine.DagRun;
import dev.sluice.engine.Decision;
import dev.sluice.engine.Dispatch;
import dev.sluice.engine.Engine;
import dev.sluice.engine.Event;
import dev.sluice.engine.MarkSource;
import dev.sluice.engine.RunType;
import dev.sluice.engine.RunView;
import dev.sluice.engine.TaskInstance;
import dev.sluice.engine.TaskKey;
import dev.sluice.engine.Timer;
import dev.sluice.engine.UpstreamCounts;
import dev.sluice.engine.Pool;
import dev.sluice.engine.PoolBound;
import dev.sluice.engine.WriteContext;
import dev.sluice.engine.testing.RunDriver;
import dev.sluice.model.Dag;
import dev.sluice.model.DagBuilder;
import dev.sluice.model.PastDependency;
import dev.sluice.model.TriggerRule;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of the {@link StateStore} port. Every adapter (in memory, SQLite, DynamoDB) extends this class
 * and returns a fresh, empty store from {@link #newStore()}.
 *
 * <p>How a store learns about DAGs: from nothing but the decision. Each {@link Decision} carries a
 * {@link WriteContext}: pool sizes (used to bound pool deltas), the DAG's topological positions (used to list waiting
 * instances in {@link Engine#admissionOrder} order), max_active_runs for a run that starts, and the run as read. A
 * store that never served a {@link StateStore#view} applies a decision with the same conditions
 * ({@link #aStoreThatNeverServedAViewKeepsMaxActiveRunsPoolBoundsAndPositions}). A pool the decision gives no size
 * is unbounded above (it can still never go below zero).
 */
public abstract class StateStoreContract {
    protected static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");

    /** A fresh, empty store. Closed after each test. */
    protected abstract StateStore newStore();

    protected StateStore store;

    @BeforeEach
    void openStore() {
        store = newStore();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    // ---- helpers ----

    protected static DagRun newRun(String dagId, String runId, RunState state, Instant logical, long version) {
        return new DagRun(dagId, runId, RunType.MANUAL, logical, logical, logical.plus(Duration.ofDays(1)), state,
                null, "v1", logical, null, null, 0, 0, 0, 0, version);
    }

    protected static TaskInstance ti(String runId, String taskId, int mapIndex, TaskState state, int priority,
                                     long version) {
        return TaskInstance.builder(runId, taskId).mapIndex(mapIndex).state(state).maxTries(1).priority(priority)
                .version(version).build();
    }

    protected static TaskInstance ti(String runId, String taskId, TaskState state, long version) {
        return ti(runId, taskId, -1, state, 1, version);
    }

    protected static Decision decision(DagRun run, List<TaskInstance> instances) {
        return decision(run, instances, Map.of(), List.of());
    }

    protected static Decision decision(DagRun run, List<TaskInstance> instances, Map<String, Integer> pools,
                                       List<Timer> timers) {
        return new Decision(run, instances, List.of(), timers, List.of(), pools);
    }

    /** A decision with the write context the engine would give it for {@code dag} (a run created or not read). */
    protected static Decision decision(Dag dag, DagRun run, List<TaskInstance> instances, Map<String, Integer> pools,
                                       List<Timer> timers) {
        return decision(run, instances, pools, timers).withContext(WriteContext.of(dag, null, run));
    }

    private static Dag simpleDag(String dagId, String... taskIds) {
        DagBuilder b = DagBuilder.dag(dagId).pool("api", 2);
        for (String id : taskIds) {
            b.task(id, t -> t.command("true"));
        }
        return b.build();
    }

    private static Timer timer(String runId, String task, int tryNumber, Instant at) {
        return new Timer(runId, TaskKey.of(task), tryNumber, at, Timer.Kind.RETRY);
    }

    /** Creates run r1 of dag "d" (tasks a, b, c, all NONE, version 1) after viewing it. */
    private Dag createR1() {
        Dag dag = simpleDag("d", "a", "b", "c");
        store.view(dag, "r1");
        store.apply(decision(newRun("d", "r1", RunState.RUNNING, T0, 1), List.of(
                ti("r1", "a", TaskState.NONE, 1), ti("r1", "b", TaskState.NONE, 1), ti("r1", "c", TaskState.NONE, 1))));
        return dag;
    }

    private static List<String> keys(Iterator<TaskInstance> it) {
        List<String> out = new ArrayList<>();
        it.forEachRemaining(t -> out.add(t.key().toString()));
        return out;
    }

    // ---- dag versions ----

    @Test
    void dagVersionsAreIdempotent() {
        assertThat(store.dagVersion("d", "h1")).isEmpty();
        store.putDagVersion("d", "h1", "dag_id: d\n");
        store.putDagVersion("d", "h1", "something else");
        store.putDagVersion("d", "h2", "second");
        store.putDagVersion("other", "h1", "other dag");
        assertThat(store.dagVersion("d", "h1")).contains("dag_id: d\n");
        assertThat(store.dagVersion("d", "h2")).contains("second");
        assertThat(store.dagVersion("other", "h1")).contains("other dag");
        assertThat(store.dagVersion("d", "h3")).isEmpty();
    }

    // ---- create, version checks ----

    // ---- depends_on_past: the runs next to a logical date ----

    private static DagRun typedRun(String dagId, String runId, RunType type, RunState state, Instant logical) {
        return new DagRun(dagId, runId, type, logical, logical, logical.plus(Duration.ofDays(1)), state, null, "v1",
                logical, null, null, 0, 0, 0, 0, 1);
    }

    @Test
    void previousAndNextRunByLogicalDateAcrossStatesLeavingManualRunsOutWhenAsked() {
        Instant d1 = T0;
        Instant d2 = T0.plus(Duration.ofDays(1));
        Instant d3 = T0.plus(Duration.ofDays(2));
        Instant d4 = T0.plus(Duration.ofDays(3));
        store.apply(decision(typedRun("d", "s1", RunType.SCHEDULED, RunState.SUCCESS, d1), List.of()));
        store.apply(decision(typedRun("d", "m2", RunType.MANUAL, RunState.FAILED, d2), List.of()));
        store.apply(decision(typedRun("d", "s3", RunType.SCHEDULED, RunState.RUNNING, d3), List.of()));
        store.apply(decision(typedRun("d", "b4", RunType.BACKFILL, RunState.QUEUED, d4), List.of()));
        store.apply(decision(typedRun("other", "o", RunType.SCHEDULED, RunState.RUNNING, d2), List.of()));

        assertThat(store.previousRun("d", d3, false).map(DagRun::runId)).contains("m2");
        assertThat(store.previousRun("d", d3, true).map(DagRun::runId)).contains("s1");
        assertThat(store.previousRun("d", d1, false)).isEmpty();
        assertThat(store.previousRun("d", d4.plusSeconds(1), false).map(DagRun::runId)).contains("b4");
        assertThat(store.nextRun("d", d1, false).map(DagRun::runId)).contains("m2");
        assertThat(store.nextRun("d", d1, true).map(DagRun::runId)).contains("s3");
        assertThat(store.nextRun("d", d3, false).map(DagRun::runId)).contains("b4");
        assertThat(store.nextRun("d", d4, false)).isEmpty();
        assertThat(store.nextRun("nope", d1, false)).isEmpty();
        Dag dag = simpleDag("d", "a");
        RunView view = store.view(dag, "s3");
        assertThat(view.previousRun(d3, true).runId()).isEqualTo("s1");
        assertThat(view.otherRunInstance("s1", TaskKey.of("a"))).isNull();
    }

    @Test
    void dependsOnPastAcrossThreeRunsWithAFailureInTheMiddle() {
        Dag dag = DagBuilder.dag("dp").catchup(true)
                .task("extract", t -> t.command("e"))
                .task("load", t -> t.command("l").upstream("extract").past(PastDependency.DEPENDS_ON_PAST))
                .build();
        RunDriver d = new RunDriver(dag, store, T0, new Random(7));
        Function<Dispatch, Event> failLoad = x -> x.task().taskId().equals("load")
                ? new Event.TaskFailed(x.task(), x.tryNumber(), "boom", false)
                : new Event.TaskSucceeded(x.task(), x.tryNumber(), null);
        String[] runs = {"dp.scheduled__1", "dp.scheduled__2", "dp.scheduled__3"};
        for (int i = 0; i < 3; i++) {
            Instant at = T0.plus(Duration.ofDays(i));
            d.send(runs[i], new Event.RunRequested(runs[i], RunType.SCHEDULED, at, at, at.plus(Duration.ofDays(1)),
                    null, "v1"));
            d.runToEnd(runs[i], i == 1 ? failLoad : RunDriver.allSucceed());
        }
        assertThat(store.run(runs[0]).orElseThrow().state()).isEqualTo(RunState.SUCCESS);
        assertThat(store.run(runs[1]).orElseThrow().state()).isEqualTo(RunState.FAILED);
        TaskInstance waiting = d.instance(runs[2], "load");
        assertThat(waiting.state()).isEqualTo(TaskState.SCHEDULED);
        assertThat(waiting.error()).isEqualTo("depends_on_past: waits for task load in run " + runs[1]
                + " (it is failed)");
        assertThat(store.run(runs[2]).orElseThrow().state()).isEqualTo(RunState.RUNNING);

        d.send(runs[1], new Event.ClearTasks(List.of("load"), false));
        d.runToEnd(runs[1], RunDriver.allSucceed());
        assertThat(d.history().stream().flatMap(x -> x.notifications().stream()))
                .contains(new dev.sluice.engine.Notification.PastDone(runs[1], "dp", T0.plus(Duration.ofDays(1))));
        assertThat(store.nextRun("dp", T0.plus(Duration.ofDays(1)), false).map(DagRun::runId)).contains(runs[2]);
        d.send(runs[2], new Event.Tick());
        assertThat(d.runToEnd(runs[2], RunDriver.allSucceed()).state()).isEqualTo(RunState.SUCCESS);
        assertThat(d.instance(runs[2], "load").error()).isNull();
    }

    @Test
    void createdRunAndInstancesReadBackExactly() {
        Dag dag = simpleDag("d", "a", "b");
        store.view(dag, "r1");
        Instant t = Instant.parse("2024-03-04T05:06:07.123456789Z");
        DagRun run = new DagRun("d", "r1", RunType.SCHEDULED, t, t.minusSeconds(3600), t, RunState.RUNNING,
                "{\"k\":\"v\"}", "hash1", t.plusNanos(1), t.plusSeconds(1), null, 7, 3, 2, 1, 1);
        TaskInstance full = TaskInstance.builder("r1", "a").state(TaskState.UP_FOR_RETRY).tryNumber(2).maxTries(4)
                .priority(9).upstream(new UpstreamCounts(1, 2, 3, 4, 5)).mapCount(6).itemJson("{\"item\":1}")
                .outputJson("[1,2]").error("boom\nline 2").queuedAt(t).startedAt(t.plusMillis(1))
                .endedAt(t.plusMillis(2)).deadline(t.plusSeconds(60)).nextAttemptAt(t.plusSeconds(300)).version(1)
                .tentative(new TaskInstance.Tentative(MarkSource.decode("up#-1#3#TaskSucceeded"), TaskState.SCHEDULED))
                .build();
        TaskInstance sparse = ti("r1", "b", TaskState.NONE, 1);
        store.apply(decision(run, List.of(full, sparse)));

        assertThat(store.run("r1")).contains(run);
        assertThat(store.run("nope")).isEmpty();
        assertThat(store.instances("r1")).containsExactly(full, sparse);
        RunView view = store.view(dag, "r1");
        assertThat(view.run()).isEqualTo(run);
        assertThat(view.instance(TaskKey.of("a"))).isEqualTo(full);
        assertThat(view.instance(TaskKey.of("b"))).isEqualTo(sparse);
        assertThat(view.instance(TaskKey.of("zzz"))).isNull();
        assertThat(view.instance(new TaskKey("a", 0))).isNull();
    }

    @Test
    void prefetchedInstancesReadBackExactlyAndMissingOnesAsNull() {
        Dag dag = createR1();
        TaskInstance b = ti("r1", "b", TaskState.QUEUED, 2);
        store.apply(decision(null, List.of(b)));
        RunView view = store.view(dag, "r1");
        List<TaskKey> keys = new java.util.ArrayList<>(List.of(TaskKey.of("a"), TaskKey.of("b"), TaskKey.of("c"),
                new TaskKey("a", 0)));
        for (int i = 0; i < 120; i++) { // more than one BatchGetItem request's worth of keys
            keys.add(new TaskKey("m", i));
        }
        view.prefetch(keys);
        assertThat(view.instance(TaskKey.of("a"))).isEqualTo(ti("r1", "a", TaskState.NONE, 1));
        assertThat(view.instance(TaskKey.of("b"))).isEqualTo(b);
        assertThat(view.instance(TaskKey.of("c"))).isEqualTo(ti("r1", "c", TaskState.NONE, 1));
        assertThat(view.instance(new TaskKey("a", 0))).isNull();
        assertThat(view.instance(new TaskKey("m", 119))).isNull();
    }

    @Test
    void secondCreateOfARunIsRejected() {
        createR1();
        assertThatThrownBy(() -> store.apply(decision(newRun("d", "r1", RunState.QUEUED, T0, 1), List.of())))
                .isInstanceOf(ConcurrentUpdateException.class);
        assertThat(store.run("r1").orElseThrow().state()).isEqualTo(RunState.RUNNING);
    }

    @Test
    void secondCreateOfAnInstanceIsRejected() {
        createR1();
        assertThatThrownBy(() -> store.apply(decision(null, List.of(ti("r1", "a", TaskState.SCHEDULED, 1)))))
                .isInstanceOf(ConcurrentUpdateException.class);
        assertThat(store.instances("r1").get(0).state()).isEqualTo(TaskState.NONE);
    }

    @Test
    void theVersionsARunWasMovedFromReadBackExactly() {
        Dag dag = simpleDag("d", "a");
        store.view(dag, "rv");
        Instant t = Instant.parse("2024-03-04T05:06:07.123Z");
        DagRun run = newRun("d", "rv", RunState.RUNNING, t, 1).withDagVersion("v2", t.plusSeconds(60));
        store.apply(decision(run, List.of()));
        assertThat(store.run("rv")).contains(run);
        DagRun moved = run.withDagVersion("v3", t.plusSeconds(120)).withVersion(2);
        store.apply(decision(moved, List.of()));
        DagRun read = store.run("rv").orElseThrow();
        assertThat(read).isEqualTo(moved);
        assertThat(read.dagVersion()).isEqualTo("v3");
        assertThat(read.earlierVersions()).extracting(DagRun.VersionChange::version).containsExactly("v1", "v2");
        assertThat(read.versionAt(t.plusSeconds(30))).isEqualTo("v1");
        assertThat(read.versionAt(t.plusSeconds(90))).isEqualTo("v2");
        assertThat(read.versionAt(t.plusSeconds(150))).isEqualTo("v3");
        assertThat(store.view(dag, "rv").run()).isEqualTo(moved);
    }

    @Test
    void updatesMustNameTheStoredVersion() {
        createR1();
        store.apply(decision(newRun("d", "r1", RunState.SUCCESS, T0, 2), List.of(ti("r1", "a", TaskState.SCHEDULED, 2))));
        // Same versions again: the stored ones are now 2, so "expected 1" is stale.
        assertThatThrownBy(() -> store.apply(decision(newRun("d", "r1", RunState.FAILED, T0, 2), List.of())))
                .isInstanceOf(ConcurrentUpdateException.class);
        assertThatThrownBy(() -> store.apply(decision(null, List.of(ti("r1", "a", TaskState.QUEUED, 2)))))
                .isInstanceOf(ConcurrentUpdateException.class);
        // Skipping a version is just as stale.
        assertThatThrownBy(() -> store.apply(decision(null, List.of(ti("r1", "b", TaskState.QUEUED, 3)))))
                .isInstanceOf(ConcurrentUpdateException.class);
        // Updating something that was never created.
        assertThatThrownBy(() -> store.apply(decision(null, List.of(ti("r1", "zzz", TaskState.QUEUED, 2)))))
                .isInstanceOf(ConcurrentUpdateException.class);
        assertThatThrownBy(() -> store.apply(decision(newRun("d", "r9", RunState.RUNNING, T0, 2), List.of())))
                .isInstanceOf(ConcurrentUpdateException.class);
        store.apply(decision(newRun("d", "r1", RunState.RUNNING, T0, 3), List.of(ti("r1", "a", TaskState.QUEUED, 3))));
        assertThat(store.run("r1").orElseThrow().version()).isEqualTo(3);
        assertThat(store.run("r1").orElseThrow().state()).isEqualTo(RunState.RUNNING);
        assertThat(store.instances("r1").get(0)).isEqualTo(ti("r1", "a", TaskState.QUEUED, 3));
        assertThat(store.run("r9")).isEmpty();
    }

    // ---- atomicity ----

    private void assertUntouchedAfterCreateR1(Dag dag) {
        assertThat(store.run("r1").orElseThrow().version()).isEqualTo(1);
        assertThat(store.run("r1").orElseThrow().state()).isEqualTo(RunState.RUNNING);
        assertThat(store.instances("r1")).containsExactly(ti("r1", "a", TaskState.NONE, 1),
                ti("r1", "b", TaskState.NONE, 1), ti("r1", "c", TaskState.NONE, 1));
        assertThat(store.instances("r1")).noneMatch(t -> t.mapIndex() >= 0);
        assertThat(store.poolUsed("api")).isZero();
        assertThat(store.dueTimers(Instant.MAX, 10)).isEmpty();
        RunView view = store.view(dag, "r1");
        assertThat(view.poolUsed("api")).isZero();
        assertThat(view.run().version()).isEqualTo(1);
        assertThat(keys(view.scheduledInPriorityOrder())).isEmpty();
        assertThat(view.instance(new TaskKey("b", 0))).isNull();
    }

    @Test
    void applyWithOneStaleInstanceChangesNothingAtAll() {
        Dag dag = createR1();
        Decision d = decision(newRun("d", "r1", RunState.SUCCESS, T0, 2),
                List.of(ti("r1", "a", TaskState.SCHEDULED, 2), ti("r1", "b", -1, TaskState.SCHEDULED, 1, 3),
                        ti("r1", "b", 0, TaskState.SCHEDULED, 1, 1), ti("r1", "c", TaskState.SCHEDULED, 2)),
                Map.of("api", 1), List.of(timer("r1", "a", 1, T0)));
        assertThatThrownBy(() -> store.apply(d)).isInstanceOf(ConcurrentUpdateException.class);
        assertUntouchedAfterCreateR1(dag);
    }

    @Test
    void applyWithAStaleRunChangesNothingAtAll() {
        Dag dag = createR1();
        Decision d = decision(newRun("d", "r1", RunState.SUCCESS, T0, 5),
                List.of(ti("r1", "a", TaskState.SCHEDULED, 2), ti("r1", "b", 0, TaskState.SCHEDULED, 1, 1)),
                Map.of("api", 1), List.of(timer("r1", "a", 1, T0)));
        assertThatThrownBy(() -> store.apply(d)).isInstanceOf(ConcurrentUpdateException.class);
        assertUntouchedAfterCreateR1(dag);
    }

    @Test
    void applyWithAnOverfullPoolChangesNothingAtAll() {
        Dag dag = createR1();
        Decision d = decision(dag, newRun("d", "r1", RunState.SUCCESS, T0, 2),
                List.of(ti("r1", "a", TaskState.SCHEDULED, 2), ti("r1", "b", 0, TaskState.SCHEDULED, 1, 1)),
                Map.of("api", 3), List.of(timer("r1", "a", 1, T0)));
        assertThatThrownBy(() -> store.apply(d)).isInstanceOf(ConcurrentUpdateException.class);
        assertUntouchedAfterCreateR1(dag);
    }

    @Test
    void aFailedApplyLeavesTheStoreUsable() {
        Dag dag = createR1();
        assertThatThrownBy(() -> store.apply(decision(newRun("d", "r1", RunState.SUCCESS, T0, 2),
                List.of(ti("r1", "a", TaskState.SCHEDULED, 7))))).isInstanceOf(ConcurrentUpdateException.class);
        store.apply(decision(newRun("d", "r1", RunState.SUCCESS, T0, 2), List.of(ti("r1", "a", TaskState.SCHEDULED, 2)),
                Map.of("api", 1), List.of()));
        assertThat(store.run("r1").orElseThrow().state()).isEqualTo(RunState.SUCCESS);
        assertThat(store.view(dag, "r1").instance(TaskKey.of("a")).state()).isEqualTo(TaskState.SCHEDULED);
        assertThat(store.poolUsed("api")).isEqualTo(1);
    }

    @Test
    void noopDecisionIsAccepted() {
        createR1();
        store.apply(Decision.ignored("r1", "duplicate"));
        assertThat(store.run("r1").orElseThrow().version()).isEqualTo(1);
    }

    // ---- pools ----

    @Test
    void poolDeltasStayWithinTheSizeFromTheDagAndGivingBackNeverFails() {
        Dag dag = createR1(); // pool api has 2 slots
        store.apply(decision(dag, null, List.of(), Map.of("api", 2), List.of()));
        assertThat(store.poolUsed("api")).isEqualTo(2);
        assertThatThrownBy(() -> store.apply(decision(dag, null, List.of(), Map.of("api", 1), List.of())))
                .isInstanceOf(ConcurrentUpdateException.class);
        assertThat(store.poolUsed("api")).isEqualTo(2);
        store.apply(decision(dag, null, List.of(), Map.of("api", -1), List.of()));
        store.apply(decision(dag, null, List.of(), Map.of("api", -1), List.of()));
        assertThat(store.poolUsed("api")).isZero();
        store.apply(decision(dag, null, List.of(), Map.of("api", -1), List.of()));
        assertThat(store.poolUsed("api")).isZero();
        assertThat(store.view(dag, "r1").poolUsed("api")).isZero();
    }

    @Test
    void givingBackMoreThanIsInUseLandsAtZero() {
        Dag dag = createR1();
        store.apply(decision(dag, null, List.of(), Map.of("api", 1), List.of()));
        store.apply(decision(dag, newRun("d", "r1", RunState.SUCCESS, T0, 2), List.of(), Map.of("api", -3),
                List.of()));
        assertThat(store.poolUsed("api")).isZero();
        assertThat(store.run("r1").orElseThrow().state()).isEqualTo(RunState.SUCCESS);
        store.apply(decision(null, List.of(), Map.of("never_seen", -1), List.of()));
        assertThat(store.poolUsed("never_seen")).isZero();
    }

    @Test
    void givingBackNeverFailsWhenAnotherDagDeclaresASmallerSize() {
        // The defect: a DAG with size 3 holds 3 slots; a DAG with size 1 gives one back and was refused.
        Dag big = DagBuilder.dag("big").pool("shared", 3).task("a", t -> t.command("true")).build();
        Dag small = DagBuilder.dag("small").pool("shared", 1).task("a", t -> t.command("true")).build();
        store.apply(decision(big, null, List.of(), Map.of("shared", 3), List.of()));
        store.apply(decision(small, null, List.of(), Map.of("shared", -1), List.of()));
        assertThat(store.poolUsed("shared")).isEqualTo(2);
        store.apply(decision(small, null, List.of(), Map.of("shared", -2), List.of()));
        assertThat(store.poolUsed("shared")).isZero();
    }

    @Test
    void whileSlotsAreInUseThePoolKeepsTheSizeItWasTakenWith() {
        Dag big = DagBuilder.dag("big").pool("shared", 3).task("a", t -> t.command("true")).build();
        Dag small = DagBuilder.dag("small").pool("shared", 1).task("a", t -> t.command("true")).build();
        store.apply(decision(small, null, List.of(), Map.of("shared", 1), List.of()));
        Pool stored = store.view(big, "r1").pool("shared");
        assertThat(stored.size()).isEqualTo(1);
        assertThat(stored.declaredBy()).isEqualTo("small");
        PoolBound bound = PoolBound.of(stored, big, "shared");
        assertThat(bound.size()).isEqualTo(1);
        assertThat(bound.conflictsWith(big, "shared")).isTrue();
        // The bigger DAG's own declaration is refused while the pool is busy; the stored size is used instead.
        assertThatThrownBy(() -> store.apply(decision(big, null, List.of(), Map.of("shared", 1), List.of())))
                .isInstanceOf(ConcurrentUpdateException.class);
        store.apply(decision(small, null, List.of(), Map.of("shared", -1), List.of()));
        // Idle again: the next declaration to take a slot gives the size.
        store.apply(decision(big, null, List.of(), Map.of("shared", 2), List.of()));
        assertThat(store.pools()).extracting(Pool::name, Pool::size, Pool::used, Pool::declaredBy)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("shared", 3, 2, "big"));
    }

    @Test
    void aSizeSetByHandWinsOverEveryDag() {
        Dag dag = createR1(); // api = 2
        store.setPool("api", 1, "the partner API allows one call");
        Pool stored = store.view(dag, "r1").pool("api");
        assertThat(stored.isSet()).isTrue();
        PoolBound bound = PoolBound.of(stored, dag, "api");
        assertThat(bound.size()).isEqualTo(1);
        store.apply(decision(dag, null, List.of(), Map.of("api", 1), List.of())
                .withContext(WriteContext.of(dag, null, null).withPools(Map.of("api", bound))));
        assertThatThrownBy(() -> store.apply(decision(dag, null, List.of(), Map.of("api", 1), List.of())
                .withContext(WriteContext.of(dag, null, null).withPools(Map.of("api", bound)))))
                .isInstanceOf(ConcurrentUpdateException.class);
        // A decision that read no stored size (the DAG's 2) does not overrule the hand-set size.
        assertThatThrownBy(() -> store.apply(decision(dag, null, List.of(), Map.of("api", 1), List.of())))
                .isInstanceOf(ConcurrentUpdateException.class);
        assertThat(store.pools()).containsExactly(new Pool("api", 1, 1, null, "the partner API allows one call"));
        store.setPool("api", 4, null);
        assertThat(store.pools()).containsExactly(new Pool("api", 4, 1, null, null));
    }

    @Test
    void aPoolIsDeletedOnlyWhenNoSlotIsInUse() {
        Dag dag = createR1();
        assertThat(store.deletePool("api")).isEqualTo(StateStore.PoolDeletion.NOT_FOUND);
        store.setPool("api", 2, null);
        store.apply(decision(dag, null, List.of(), Map.of("api", 1), List.of())
                .withContext(WriteContext.of(dag, null, null).withPools(Map.of("api", new PoolBound(2, null)))));
        assertThat(store.deletePool("api")).isEqualTo(StateStore.PoolDeletion.IN_USE);
        store.apply(decision(dag, null, List.of(), Map.of("api", -1), List.of()));
        assertThat(store.deletePool("api")).isEqualTo(StateStore.PoolDeletion.DELETED);
        assertThat(store.pools()).isEmpty();
        assertThat(store.view(dag, "r1").pool("api")).isEqualTo(Pool.absent("api"));
    }

    @Test
    void aPoolWithNoKnownSizeIsUnboundedAbove() {
        createR1();
        assertThat(store.poolUsed("elsewhere")).isZero();
        store.apply(decision(null, List.of(), Map.of("elsewhere", 1000), List.of()));
        assertThat(store.poolUsed("elsewhere")).isEqualTo(1000);
        store.apply(decision(null, List.of(), Map.of("elsewhere", -1001), List.of()));
        assertThat(store.poolUsed("elsewhere")).isZero();
    }

    @Test
    void poolsAreSharedAcrossRunsAndDags() {
        Dag d1 = simpleDag("d1", "a");
        Dag d2 = simpleDag("d2", "a"); // also declares api = 2
        store.view(d1, "r1");
        store.view(d2, "r2");
        store.apply(decision(d1, newRun("d1", "r1", RunState.RUNNING, T0, 1), List.of(), Map.of("api", 1),
                List.of()));
        store.apply(decision(d2, newRun("d2", "r2", RunState.RUNNING, T0, 1), List.of(), Map.of("api", 1),
                List.of()));
        assertThat(store.poolUsed("api")).isEqualTo(2);
        assertThat(store.view(d1, "r1").poolUsed("api")).isEqualTo(2);
        assertThatThrownBy(() -> store.apply(decision(d2, null, List.of(), Map.of("api", 1), List.of())))
                .isInstanceOf(ConcurrentUpdateException.class);
    }

    @Test
    void poolSizeFollowsTheDagOfTheDecision() {
        Dag smaller = createR1(); // api = 2
        Dag bigger = DagBuilder.dag("d").pool("api", 5).task("a", t -> t.command("true")).build();
        assertThatThrownBy(() -> store.apply(decision(smaller, null, List.of(), Map.of("api", 5), List.of())))
                .isInstanceOf(ConcurrentUpdateException.class);
        store.apply(decision(bigger, null, List.of(), Map.of("api", 5), List.of()));
        assertThat(store.poolUsed("api")).isEqualTo(5);
        assertThatThrownBy(() -> store.apply(decision(bigger, null, List.of(), Map.of("api", 1), List.of())))
                .isInstanceOf(ConcurrentUpdateException.class);
    }

    // ---- a store that never served a view ----

    /** A view of nothing, as another process (or a cold Lambda) may have read it: no runs, nothing running. */
    private static RunView emptyView() {
        return new RunView() {
            @Override
            public DagRun run() {
                return null;
            }

            @Override
            public TaskInstance instance(TaskKey key) {
                return null;
            }

            @Override
            public Iterator<TaskInstance> scheduledInPriorityOrder() {
                return Collections.emptyIterator();
            }

            @Override
            public int poolUsed(String pool) {
                return 0;
            }

            @Override
            public int runningRunsOfDag() {
                return 0;
            }
        };
    }

    @Test
    void aStoreThatNeverServedAViewKeepsMaxActiveRunsPoolBoundsAndPositions() {
        // Topological positions differ from task-id order: z_first, a_second, m_third.
        Dag dag = DagBuilder.dag("cold").maxActiveRuns(1).pool("api", 2)
                .task("z_first", t -> t.command("x"))
                .task("a_second", t -> t.command("x").upstream("z_first"))
                .task("m_third", t -> t.command("x").upstream("a_second"))
                .build();
        Engine engine = new Engine(dag);
        // `store` is fresh and never serves a view here: each decision is made elsewhere and only applied.
        Decision first = engine.decide(emptyView(),
                new Event.RunRequested("c1", RunType.MANUAL, T0, T0, T0, null, "v1"), T0, new Random(1));
        assertThat(first.run().state()).isEqualTo(RunState.RUNNING);
        store.apply(first);
        Decision second = engine.decide(emptyView(), new Event.RunRequested("c2", RunType.MANUAL,
                T0.plusSeconds(1), T0, T0, null, "v1"), T0, new Random(1));
        assertThat(second.run().state()).isEqualTo(RunState.RUNNING); // its view did not see c1 running
        assertThatThrownBy(() -> store.apply(second)).isInstanceOf(ConcurrentUpdateException.class);
        assertThat(store.run("c2")).isEmpty();
        assertThat(store.run("c1").orElseThrow().state()).isEqualTo(RunState.RUNNING);

        assertThatThrownBy(() -> store.apply(decision(dag, null, List.of(), Map.of("api", 3), List.of())))
                .isInstanceOf(ConcurrentUpdateException.class);
        store.apply(decision(dag, null, List.of(), Map.of("api", 2), List.of()));
        assertThatThrownBy(() -> store.apply(decision(dag, null, List.of(), Map.of("api", 1), List.of())))
                .isInstanceOf(ConcurrentUpdateException.class);
        assertThat(store.poolUsed("api")).isEqualTo(2);

        List<TaskInstance> waiting = List.of(ti("c3", "m_third", TaskState.SCHEDULED, 1),
                ti("c3", "a_second", TaskState.SCHEDULED, 1), ti("c3", "z_first", TaskState.SCHEDULED, 1));
        store.apply(decision(dag, newRun("cold", "c3", RunState.QUEUED, T0.plusSeconds(2), 1), waiting, Map.of(),
                List.of()));
        assertThat(keys(store.view(dag, "c3").scheduledInPriorityOrder()))
                .containsExactly("z_first", "a_second", "m_third");
    }

    // ---- views ----

    @Test
    void viewOfAMissingRunIsEmpty() {
        Dag dag = simpleDag("d", "a");
        RunView view = store.view(dag, "missing");
        assertThat(view.run()).isNull();
        assertThat(view.instance(TaskKey.of("a"))).isNull();
        assertThat(view.scheduledInPriorityOrder().hasNext()).isFalse();
        assertThat(view.poolUsed("api")).isZero();
        assertThat(view.runningRunsOfDag()).isZero();
    }

    @Test
    void newViewsSeeCommittedState() {
        Dag dag = createR1();
        store.apply(decision(newRun("d", "r1", RunState.RUNNING, T0, 2),
                List.of(ti("r1", "a", TaskState.SCHEDULED, 2)), Map.of("api", 1), List.of()));
        RunView view = store.view(dag, "r1");
        assertThat(view.run().version()).isEqualTo(2);
        assertThat(view.instance(TaskKey.of("a"))).isEqualTo(ti("r1", "a", TaskState.SCHEDULED, 2));
        assertThat(view.poolUsed("api")).isEqualTo(1);
        assertThat(keys(view.scheduledInPriorityOrder())).containsExactly("a");
    }

    @Test
    void scheduledInPriorityOrderFollowsEngineAdmissionOrderAndOnlyListsScheduled() {
        // Topological positions differ from task-id order: z_root comes first, a_last last.
        DagBuilder b = DagBuilder.dag("prio")
                .task("z_root", t -> t.command("x").priorityWeight(1))
                .task("m_mid", t -> t.command("x").upstream("z_root").priorityWeight(1))
                .task("b_hi", t -> t.command("x").upstream("z_root").priorityWeight(10))
                .task("mapped", t -> t.command("x").upstream("m_mid").priorityWeight(1)
                        .expand(List.of(1, 2, 3)));
        for (int i = 0; i < 150; i++) {
            int p = i % 4;
            b.task("w" + i, t -> t.command("x").upstream("z_root").priorityWeight(p));
        }
        b.task("a_last", t -> t.command("x").upstream("mapped", "b_hi").priorityWeight(1));
        Dag dag = b.build();
        store.view(dag, "r1");
        List<TaskInstance> all = new ArrayList<>();
        for (String id : dag.taskIds()) {
            int p = dag.task(id).priorityWeight();
            TaskState s = id.hashCode() % 3 == 0 ? TaskState.NONE : TaskState.SCHEDULED;
            all.add(ti("r1", id, -1, id.equals("mapped") ? TaskState.REMOVED : s, p, 1));
        }
        // Map indexes 0..11 so a text sort (10 < 2) would show.
        for (int i = 11; i >= 0; i--) {
            all.add(ti("r1", "mapped", i, i == 5 ? TaskState.QUEUED : TaskState.SCHEDULED, 1, 1));
        }
        Collections.shuffle(all, new Random(7));
        store.apply(decision(dag, newRun("prio", "r1", RunState.RUNNING, T0, 1), all, Map.of(), List.of()));

        List<String> expected = all.stream().filter(t -> t.state() == TaskState.SCHEDULED)
                .sorted(Engine.admissionOrder(dag)).map(t -> t.key().toString()).toList();
        assertThat(expected).hasSizeGreaterThan(100);
        assertThat(keys(store.view(dag, "r1").scheduledInPriorityOrder())).containsExactlyElementsOf(expected);
        // The instances listed are the stored ones, with their versions.
        TaskInstance first = store.view(dag, "r1").scheduledInPriorityOrder().next();
        assertThat(first.version()).isEqualTo(1);
        assertThat(first.state()).isEqualTo(TaskState.SCHEDULED);

        // Move the first waiting instance on, and a NONE one into SCHEDULED; a new view reflects both.
        TaskInstance none = all.stream().filter(t -> t.state() == TaskState.NONE).findFirst().orElseThrow();
        store.apply(decision(dag, null, List.of(first.withState(TaskState.QUEUED).withVersion(2),
                none.withState(TaskState.SCHEDULED).withVersion(2)), Map.of(), List.of()));
        List<String> after = new ArrayList<>(expected);
        after.remove(first.key().toString());
        List<TaskInstance> now = new ArrayList<>();
        for (String k : after) {
            now.add(all.stream().filter(t -> t.key().toString().equals(k)).findFirst().orElseThrow());
        }
        now.add(none);
        List<String> expectedAfter = now.stream().sorted(Engine.admissionOrder(dag)).map(t -> t.key().toString())
                .toList();
        assertThat(keys(store.view(dag, "r1").scheduledInPriorityOrder())).containsExactlyElementsOf(expectedAfter);
        // Another run's waiting instances are not listed.
        assertThat(keys(store.view(dag, "r2").scheduledInPriorityOrder())).isEmpty();
    }

    @Test
    void scheduledIteratorCanBeAbandonedEarly() {
        Dag dag = createR1();
        store.apply(decision(null, List.of(ti("r1", "a", TaskState.SCHEDULED, 2), ti("r1", "b", TaskState.SCHEDULED, 2))));
        Iterator<TaskInstance> it = store.view(dag, "r1").scheduledInPriorityOrder();
        assertThat(it.next().taskId()).isEqualTo("a");
        // Writes still work while an iterator is half read.
        store.apply(decision(null, List.of(ti("r1", "c", TaskState.SCHEDULED, 2))));
        assertThat(keys(store.view(dag, "r1").scheduledInPriorityOrder())).containsExactly("a", "b", "c");
    }

    @Test
    void runningRunsOfDagCountsRunningRunsOfThatDagOnly() {
        Dag a = simpleDag("A", "t");
        Dag other = simpleDag("B", "t");
        store.view(a, "a1");
        store.apply(decision(newRun("A", "a1", RunState.RUNNING, T0, 1), List.of()));
        store.apply(decision(newRun("A", "a2", RunState.RUNNING, T0.plusSeconds(1), 1), List.of()));
        store.apply(decision(newRun("A", "a3", RunState.QUEUED, T0.plusSeconds(2), 1), List.of()));
        store.apply(decision(newRun("A", "a4", RunState.SUCCESS, T0.plusSeconds(3), 1), List.of()));
        store.apply(decision(newRun("A", "a5", RunState.FAILED, T0.plusSeconds(4), 1), List.of()));
        store.apply(decision(newRun("B", "b1", RunState.RUNNING, T0, 1), List.of()));
        assertThat(store.view(a, "a3").runningRunsOfDag()).isEqualTo(2);
        assertThat(store.view(a, "new").runningRunsOfDag()).isEqualTo(2);
        assertThat(store.view(other, "b1").runningRunsOfDag()).isEqualTo(1);
        store.apply(decision(newRun("A", "a1", RunState.SUCCESS, T0, 2), List.of()));
        assertThat(store.view(a, "a3").runningRunsOfDag()).isEqualTo(1);
    }

    // ---- run listings ----

    private void someRuns() {
        store.apply(decision(newRun("A", "scheduled__1", RunState.SUCCESS, T0, 1), List.of()));
        store.apply(decision(newRun("A", "scheduled__3", RunState.RUNNING, T0.plusSeconds(30), 1), List.of()));
        store.apply(decision(newRun("A", "manual__9", RunState.SUCCESS, T0.plusSeconds(90), 1), List.of()));
        store.apply(decision(newRun("A", "scheduled__2", RunState.SUCCESS, T0.plusSeconds(20), 1), List.of()));
        store.apply(decision(newRun("B", "scheduled__x", RunState.SUCCESS, T0.plusSeconds(100), 1), List.of()));
        store.apply(decision(newRun("A", "backfill__2", RunState.SUCCESS, T0.plusSeconds(20), 1), List.of()));
    }

    private static List<String> ids(List<DagRun> runs) {
        return runs.stream().map(DagRun::runId).toList();
    }

    @Test
    void runsAreListedNewestFirst() {
        someRuns();
        assertThat(ids(store.runs("A", 10)))
                .containsExactly("manual__9", "scheduled__3", "backfill__2", "scheduled__2", "scheduled__1");
        assertThat(ids(store.runs("A", 2))).containsExactly("manual__9", "scheduled__3");
        assertThat(ids(store.runs(null, 3))).containsExactly("scheduled__x", "manual__9", "scheduled__3");
        assertThat(ids(store.runs(null, 100))).hasSize(6);
        assertThat(store.runs("nope", 10)).isEmpty();
    }

    @Test
    void runsInAStateAreListedOldestFirst() {
        someRuns();
        assertThat(ids(store.runs("A", RunState.SUCCESS, 10)))
                .containsExactly("scheduled__1", "backfill__2", "scheduled__2", "manual__9");
        assertThat(ids(store.runs("A", RunState.SUCCESS, 1))).containsExactly("scheduled__1");
        assertThat(ids(store.runs("A", RunState.RUNNING, 10))).containsExactly("scheduled__3");
        assertThat(store.runs("A", RunState.QUEUED, 10)).isEmpty();
        assertThat(ids(store.runs("B", RunState.SUCCESS, 10))).containsExactly("scheduled__x");
    }

    @Test
    void latestLogicalDateByRunIdPrefix() {
        someRuns();
        assertThat(store.latestLogicalDate("A", "scheduled")).contains(T0.plusSeconds(30));
        assertThat(store.latestLogicalDate("A", "manual")).contains(T0.plusSeconds(90));
        assertThat(store.latestLogicalDate("A", "backfill")).contains(T0.plusSeconds(20));
        assertThat(store.latestLogicalDate("A", "s3")).isEmpty();
        assertThat(store.latestLogicalDate("B", "scheduled")).contains(T0.plusSeconds(100));
        assertThat(store.latestLogicalDate("C", "scheduled")).isEmpty();
        // A prefix is a prefix, not a pattern.
        assertThat(store.latestLogicalDate("A", "sched%")).isEmpty();
        assertThat(store.latestLogicalDate("A", "_cheduled")).isEmpty();
    }

    @Test
    void instancesAreOrderedByTaskIdThenMapIndex() {
        Dag dag = simpleDag("d", "a");
        store.view(dag, "r1");
        List<TaskInstance> all = new ArrayList<>();
        for (int i : new int[] {10, 2, -1, 0, 1}) {
            all.add(ti("r1", "m", i, TaskState.NONE, 1, 1));
        }
        all.add(ti("r1", "b", TaskState.NONE, 1));
        all.add(ti("r1", "a_z", TaskState.NONE, 1));
        all.add(ti("r1", "a", TaskState.NONE, 1));
        store.apply(decision(newRun("d", "r1", RunState.RUNNING, T0, 1), all));
        store.apply(decision(newRun("d", "r2", RunState.RUNNING, T0, 1), List.of(ti("r2", "a", TaskState.NONE, 1))));
        assertThat(store.instances("r1")).extracting(t -> t.key().toString())
                .containsExactly("a", "a_z", "b", "m", "m[0]", "m[1]", "m[2]", "m[10]");
        assertThat(store.instances("r2")).hasSize(1);
        assertThat(store.instances("nope")).isEmpty();
    }

    // ---- timers ----

    @Test
    void timersFromDecisionsAreDueInOrderWithALimit() {
        createR1();
        Timer t1 = timer("r1", "a", 1, T0.plusSeconds(10));
        Timer t2 = timer("r1", "b", 1, T0.plusSeconds(5));
        Timer t3 = new Timer("r1", new TaskKey("c", 3), 2, T0.plusSeconds(20), Timer.Kind.RESCHEDULE);
        Timer t4 = new Timer("r1", TaskKey.of("c"), 0, T0.plusSeconds(3600), Timer.Kind.SLA);
        store.apply(decision(null, List.of(), Map.of(), List.of(t1, t2)));
        store.apply(decision(null, List.of(), Map.of(), List.of(t3, t4)));
        assertThat(store.dueTimers(T0, 10)).isEmpty();
        assertThat(store.dueTimers(T0.plusSeconds(10), 10)).containsExactly(t2, t1);
        assertThat(store.dueTimers(T0.plusSeconds(20), 10)).containsExactly(t2, t1, t3);
        assertThat(store.dueTimers(T0.plusSeconds(20), 2)).containsExactly(t2, t1);
        assertThat(store.dueTimers(Instant.MAX, 10)).containsExactly(t2, t1, t3, t4);
        store.deleteTimer(t1);
        store.deleteTimer(t1);
        store.deleteTimer(timer("r1", "never", 1, T0));
        assertThat(store.dueTimers(Instant.MAX, 10)).containsExactly(t2, t3, t4);
        store.apply(decision(null, List.of(), Map.of(), List.of(t2)));
        assertThat(store.dueTimers(Instant.MAX, 10)).containsExactly(t2, t3, t4);
    }

    @Test
    void timersThatDifferOnlyInFireTimeAreDistinct() {
        createR1();
        Timer a = timer("r1", "a", 1, T0.plusSeconds(1));
        Timer b = timer("r1", "a", 1, T0.plusSeconds(2));
        store.apply(decision(null, List.of(), Map.of(), List.of(a, b)));
        assertThat(store.dueTimers(Instant.MAX, 10)).containsExactly(a, b);
        store.deleteTimer(a);
        assertThat(store.dueTimers(Instant.MAX, 10)).containsExactly(b);
    }

    // ---- payloads ----

    @Test
    void unicodeAndLargeOutputsRoundTrip() {
        createR1();
        String unicode = "{\"s\":\"h\u00e9llo w\u00f6rld \u65e5\u672c\u8a9e \ud83d\ude80\ud83c\udf89 e\u0301 \u202eltr\"}";
        StringBuilder big = new StringBuilder(1_048_600);
        big.append('"');
        Random r = new Random(1);
        while (big.length() < 1_048_576) {
            big.append((char) ('a' + r.nextInt(26)));
            if (r.nextInt(50) == 0) {
                big.append("\u00e9\ud83d\ude00");
            }
        }
        big.append('"');
        String large = big.toString();
        store.apply(decision(null, List.of(
                ti("r1", "a", TaskState.NONE, 1).withResult(unicode, "err \u2603").withVersion(2),
                ti("r1", "b", TaskState.NONE, 1).withResult(large, null).withVersion(2))));
        List<TaskInstance> got = store.instances("r1");
        assertThat(got.get(0).outputJson()).isEqualTo(unicode);
        assertThat(got.get(0).error()).isEqualTo("err \u2603");
        assertThat(got.get(1).outputJson()).isEqualTo(large);
        assertThat(got.get(1).outputJson()).hasSize(large.length());
        assertThat(store.view(simpleDag("d", "a", "b", "c"), "r1").instance(TaskKey.of("b")).outputJson())
                .isEqualTo(large);
    }

    // ---- end to end through the engine ----

    /**
     * 200 tasks: a branch with a chosen and a skipped side, a mapped task with a flaky instance, a pool, tasks that
     * fail once and then succeed, one task that fails for good, and joins with several trigger rules.
     */
    protected static Dag bigDag() {
        DagBuilder b = DagBuilder.dag("big").pool("api", 3).maxActiveTasks(8);
        b.task("start", t -> t.command("x").priorityWeight(5));
        b.task("choose", t -> t.command("x").branch(true).upstream("start"));
        b.task("left", t -> t.command("x").upstream("choose"));
        b.task("right", t -> t.command("x").upstream("choose"));
        List<String> lefts = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            int p = i % 3;
            b.task("l" + i, t -> t.command("x").upstream("left").priorityWeight(p));
            b.task("r" + i, t -> t.command("x").upstream("right"));
            lefts.add("l" + i);
        }
        b.task("mapper", t -> t.command("x").upstream("start").retries(2)
                .expand(java.util.stream.IntStream.range(0, 25).boxed().toList()));
        List<String> flaky = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            b.task("f" + i, t -> t.command("x").upstream("start").retries(2).pool("api"));
            flaky.add("f" + i);
        }
        List<String> joinUp = new ArrayList<>(lefts);
        joinUp.add("mapper");
        b.task("join", t -> t.command("x").upstream(joinUp).triggerRule(TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS));
        b.task("final", t -> t.command("x").upstream(flaky).triggerRule(TriggerRule.ALL_DONE));
        String prev = "join";
        for (int i = 0; i < 33; i++) {
            String id = "p" + i;
            String up = prev;
            b.task(id, t -> t.command("x").upstream(up));
            prev = id;
        }
        Dag dag = b.build();
        assertThat(dag.tasks()).hasSize(200);
        return dag;
    }

    /** Deterministic outcomes: f3/f11 fail once, f7 always fails, mapper[4] fails once, choose picks "left". */
    protected static Function<Dispatch, Event> bigDagOutcomes() {
        return x -> {
            String id = x.task().taskId();
            int n = x.tryNumber();
            if (id.equals("choose")) {
                return new Event.BranchChosen(x.task(), n, List.of("left"));
            }
            if (id.equals("f7") || ((id.equals("f3") || id.equals("f11")) && n == 1)
                    || (id.equals("mapper") && x.task().mapIndex() == 4 && n == 1)) {
                return new Event.TaskFailed(x.task(), n, "flaky " + id, true);
            }
            return new Event.TaskSucceeded(x.task(), n, "{\"task\":\"" + x.task() + "\",\"try\":" + n + "}");
        };
    }

    private static List<String> outcome(StateStore s, String runId) {
        return s.instances(runId).stream().map(t -> t.key() + " " + t.state().airflowName() + " try=" + t.tryNumber()
                + " out=" + t.outputJson() + " up=" + t.upstream()).toList();
    }

    @Test
    void drivesA200TaskDagToTheSameEndAsTheInMemoryStore() {
        Dag dag = bigDag();
        RunDriver reference = new RunDriver(dag, new InMemoryStateStore(), T0, new Random(42));
        reference.start("r1");
        DagRun expected = reference.runToEnd("r1", bigDagOutcomes());

        RunDriver driver = new RunDriver(dag, store, T0, new Random(42));
        driver.start("r1");
        DagRun got = driver.runToEnd("r1", bigDagOutcomes());

        // f7 fails for good, but it is no leaf: "final" (all_done) and p32 succeed, the r* leaves are skipped.
        assertThat(expected.state()).isEqualTo(RunState.SUCCESS);
        assertThat(got).isEqualTo(expected);
        assertThat(outcome(store, "r1")).containsExactlyElementsOf(outcome(reference.store(), "r1"));
        assertThat(store.instances("r1")).containsExactlyElementsOf(reference.store().instances("r1"));
        assertThat(driver.maxDispatchesPerTry()).isEqualTo(1);
        assertThat(store.poolUsed("api")).isZero();
        assertThat(store.dueTimers(Instant.MAX, 10)).isEmpty();

        Map<String, TaskState> states = store.instances("r1").stream()
                .collect(Collectors.toMap(t -> t.key().toString(), TaskInstance::state));
        assertThat(states.get("r0")).isEqualTo(TaskState.SKIPPED);
        assertThat(states.get("l59")).isEqualTo(TaskState.SUCCESS);
        assertThat(states.get("f7")).isEqualTo(TaskState.FAILED);
        assertThat(states.get("f3")).isEqualTo(TaskState.SUCCESS);
        assertThat(states.get("mapper")).isEqualTo(TaskState.REMOVED);
        assertThat(states.get("mapper[24]")).isEqualTo(TaskState.SUCCESS);
        assertThat(states.get("final")).isEqualTo(TaskState.SUCCESS);
        assertThat(states.get("p32")).isEqualTo(TaskState.SUCCESS);
        assertThat(store.view(dag, "r1").instance(TaskKey.of("f3")).tryNumber()).isEqualTo(2);
        assertThat(store.view(dag, "r1").instance(new TaskKey("mapper", 4)).tryNumber()).isEqualTo(2);
    }

    // ---- concurrency ----

    /** Sends one event, deciding again on fresh state whenever a conditional write loses a race. */
    private static Decision sendWithRetry(StateStore s, Engine engine, String runId, Event e, Instant now,
                                          Random random, AtomicInteger conflicts) {
        for (int attempt = 0; attempt < 10_000; attempt++) {
            Decision d = engine.decide(s.view(engine.dag(), runId), e, now, random);
            try {
                s.apply(d);
                return d;
            } catch (ConcurrentUpdateException ex) {
                conflicts.incrementAndGet();
            }
        }
        throw new AssertionError("no progress for " + e);
    }

    /**
     * Drives one run from {@code threads} threads per store in {@code stores}: every thread takes dispatches and
     * due timers (of any run, like a real coordinator) from shared queues, ticks the run when idle, and applies the resulting decisions with retry-on-conflict. Returns the
     * number of conflicts seen.
     */
    protected static int driveConcurrently(List<StateStore> stores, int threadsPerStore, Dag dag, String runId,
                                           Function<Dispatch, Event> outcomes,
                                           Map<String, AtomicInteger> dispatchCount) throws InterruptedException {
        Engine engine = new Engine(dag);
        AtomicInteger conflicts = new AtomicInteger();
        ConcurrentLinkedQueue<Dispatch> pending = new ConcurrentLinkedQueue<>();
        AtomicInteger busy = new AtomicInteger();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        Decision first = sendWithRetry(stores.get(0), engine, runId,
                new Event.RunRequested(runId, RunType.MANUAL, T0, T0, T0, null, "v1"), T0, new Random(1), conflicts);
        record(first, pending, dispatchCount);
        List<Thread> threads = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        int n = 0;
        for (StateStore s : stores) {
            for (int i = 0; i < threadsPerStore; i++) {
                Random random = new Random(n++);
                Thread t = new Thread(() -> {
                    try {
                        while (System.nanoTime() < deadline) {
                            busy.incrementAndGet();
                            try {
                                Dispatch x = pending.poll();
                                if (x != null) {
                                    record(sendWithRetry(s, engine, x.runId(),
                                            new Event.TaskStarted(x.task(), x.tryNumber()), T0, random, conflicts),
                                            pending, dispatchCount);
                                    record(sendWithRetry(s, engine, x.runId(), outcomes.apply(x), T0, random,
                                            conflicts), pending, dispatchCount);
                                    continue;
                                }
                                List<Timer> due = s.dueTimers(Instant.MAX, 1);
                                if (!due.isEmpty()) {
                                    Timer tm = due.get(0);
                                    s.deleteTimer(tm);
                                    record(sendWithRetry(s, engine, tm.runId(),
                                            new Event.TimerFired(tm.task(), tm.tryNumber(), tm.kind()), T0, random,
                                            conflicts), pending, dispatchCount);
                                    continue;
                                }
                            } finally {
                                busy.decrementAndGet();
                            }
                            if (s.run(runId).orElseThrow().state().isTerminal() && pending.isEmpty()
                                    && busy.get() == 0) {
                                return;
                            }
                            // Idle: nudge the run like the periodic tick does, so slots freed by other runs
                            // (a shared pool) are used.
                            Thread.sleep(1);
                            record(sendWithRetry(s, engine, runId, new Event.Tick(), T0, random, conflicts),
                                    pending, dispatchCount);
                        }
                        errors.add(new AssertionError("run did not finish in time"));
                    } catch (Throwable ex) {
                        errors.add(ex);
                    }
                }, "driver-" + n);
                threads.add(t);
                t.start();
            }
        }
        for (Thread t : threads) {
            t.join(Duration.ofSeconds(150).toMillis());
        }
        if (!errors.isEmpty()) {
            AssertionError e = new AssertionError("driver thread failed: " + errors.get(0), errors.get(0));
            errors.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
        return conflicts.get();
    }

    private static void record(Decision d, ConcurrentLinkedQueue<Dispatch> pending,
                               Map<String, AtomicInteger> dispatchCount) {
        for (Dispatch x : d.dispatches()) {
            dispatchCount.computeIfAbsent(x.runId() + "/" + x.task() + "/" + x.tryNumber(),
                    k -> new AtomicInteger()).incrementAndGet();
            pending.add(x);
        }
    }

    /** A wide fan-out with a pool, retries and joins, for concurrent drivers. */
    protected static Dag concurrentDag() {
        DagBuilder b = DagBuilder.dag("conc").pool("p", 3).maxActiveTasks(12);
        b.task("start", t -> t.command("x"));
        List<String> mids = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            int idx = i;
            b.task("t" + i, t -> {
                t.command("x").upstream("start").retries(2);
                if (idx % 4 == 0) {
                    t.pool("p");
                }
            });
            mids.add("t" + i);
        }
        b.task("join", t -> t.command("x").upstream(mids));
        b.task("mapped", t -> t.command("x").upstream("join").retries(1).expand(List.of("a", "b", "c", "d", "e", "f")));
        b.task("end", t -> t.command("x").upstream("mapped"));
        return b.build();
    }

    /** Tasks t(i%7==0) fail on their first try; mapped[2] fails on its first try. */
    protected static Function<Dispatch, Event> concurrentOutcomes() {
        return x -> {
            String id = x.task().taskId();
            boolean failOnce = (id.startsWith("t") && Integer.parseInt(id.substring(1)) % 7 == 0)
                    || (id.equals("mapped") && x.task().mapIndex() == 2);
            if (failOnce && x.tryNumber() == 1) {
                return new Event.TaskFailed(x.task(), x.tryNumber(), "once", true);
            }
            return new Event.TaskSucceeded(x.task(), x.tryNumber(), "\"" + x.task() + "#" + x.tryNumber() + "\"");
        };
    }

    /** Asserts the end state of a run of {@link #concurrentDag()} driven with {@link #concurrentOutcomes()}. */
    protected static void assertConcurrentRunComplete(StateStore s, String runId,
                                                      Map<String, AtomicInteger> dispatchCount) {
        DagRun run = s.run(runId).orElseThrow();
        assertThat(run.state()).isEqualTo(RunState.SUCCESS);
        assertThat(run.pending()).isZero();
        assertThat(run.waiting()).isZero();
        assertThat(run.activeTasks()).isZero();
        assertThat(s.poolUsed("p")).isZero();
        List<TaskInstance> all = s.instances(runId);
        assertThat(all).hasSize(64 + 6);
        for (TaskInstance t : all) {
            String id = t.taskId();
            if (id.equals("mapped") && t.mapIndex() < 0) {
                assertThat(t.state()).isEqualTo(TaskState.REMOVED);
                continue;
            }
            assertThat(t.state()).as(t.key().toString()).isEqualTo(TaskState.SUCCESS);
            boolean failOnce = (id.startsWith("t") && Integer.parseInt(id.substring(1)) % 7 == 0)
                    || (id.equals("mapped") && t.mapIndex() == 2);
            int tries = failOnce ? 2 : 1;
            assertThat(t.tryNumber()).as(t.key().toString()).isEqualTo(tries);
            assertThat(t.outputJson()).isEqualTo("\"" + t.key() + "#" + tries + "\"");
        }
        TaskInstance join = all.stream().filter(t -> t.taskId().equals("join")).findFirst().orElseThrow();
        assertThat(join.upstream()).isEqualTo(new UpstreamCounts(60, 0, 0, 0, 0));
        TaskInstance end = all.stream().filter(t -> t.taskId().equals("end")).findFirst().orElseThrow();
        assertThat(end.upstream()).isEqualTo(new UpstreamCounts(6, 0, 0, 0, 0));
        // Every try dispatched exactly once: 63 unmapped + 6 mapped instances, plus 9 + 1 second tries.
        Map<String, AtomicInteger> ofRun = dispatchCount.entrySet().stream()
                .filter(e -> e.getKey().startsWith(runId + "/"))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        assertThat(ofRun.values()).allSatisfy(c -> assertThat(c.get()).isEqualTo(1));
        assertThat(ofRun).hasSize(63 + 6 + 9 + 1);
        assertThat(s.dueTimers(Instant.MAX, 10)).isEmpty();
    }

    @Test
    void fourThreadsDrivingOneRunNeverLoseATransition() throws InterruptedException {
        Dag dag = concurrentDag();
        Map<String, AtomicInteger> dispatchCount = new ConcurrentHashMap<>();
        driveConcurrently(List.of(store), 4, dag, "r1", concurrentOutcomes(), dispatchCount);
        assertConcurrentRunComplete(store, "r1", dispatchCount);
    }

    // ---- circuit breakers ----

    private static Decision breakerDecision(dev.sluice.engine.BreakerState b) {
        return new Decision(null, List.of(), List.of(), List.of(), List.of(), Map.of(), List.of(b));
    }

    @Test
    void circuitBreakersAreWrittenConditionallyAndListed() {
        dev.sluice.engine.BreakerState open = new dev.sluice.engine.BreakerState("sf",
                dev.sluice.engine.BreakerState.Status.OPEN, 5, T0, null, 1);
        store.apply(breakerDecision(open));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.apply(breakerDecision(open)))
                .isInstanceOf(ConcurrentUpdateException.class);
        Dag dag = simpleDag("d", "a");
        org.assertj.core.api.Assertions.assertThat(store.view(dag, "r1").breaker("sf")).isEqualTo(open);
        org.assertj.core.api.Assertions.assertThat(store.view(dag, "r1").breaker("nope")).isNull();
        dev.sluice.engine.BreakerState half = open.with(dev.sluice.engine.BreakerState.Status.HALF_OPEN, 5, T0,
                "r1/a/1").withVersion(2);
        store.apply(breakerDecision(half));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.apply(breakerDecision(half)))
                .isInstanceOf(ConcurrentUpdateException.class);
        org.assertj.core.api.Assertions.assertThat(store.breakers()).containsExactly(half);
        org.assertj.core.api.Assertions.assertThat(store.resetBreaker("sf")).isTrue();
        dev.sluice.engine.BreakerState reset = store.breakers().get(0);
        org.assertj.core.api.Assertions.assertThat(reset.status())
                .isEqualTo(dev.sluice.engine.BreakerState.Status.CLOSED);
        org.assertj.core.api.Assertions.assertThat(reset.version()).isEqualTo(3);
        org.assertj.core.api.Assertions.assertThat(store.resetBreaker("nope")).isFalse();
    }

    /** 8 workers race to start tasks behind one open breaker whose recovery time has passed: one probe only. */
    @Test
    void aHalfOpenBreakerAdmitsExactlyOneProbeUnderConcurrency() throws Exception {
        dev.sluice.model.CircuitBreakerSpec cb = new dev.sluice.model.CircuitBreakerSpec("api", 1,
                Duration.ofMinutes(1));
        Dag dag = DagBuilder.dag("guarded").maxActiveRuns(100).task("call", t -> t.command("x").circuitBreaker(cb))
                .build();
        store.apply(breakerDecision(new dev.sluice.engine.BreakerState("api",
                dev.sluice.engine.BreakerState.Status.OPEN, 1, T0, null, 1)));
        Engine engine = new Engine(dag);
        Instant later = T0.plus(Duration.ofMinutes(5));
        int workers = 8;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(workers);
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger dispatched = new java.util.concurrent.atomic.AtomicInteger();
        List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            String runId = "guarded.manual__w" + w;
            futures.add(pool.submit(() -> {
                go.await();
                for (int attempt = 0; attempt < 100; attempt++) {
                    Decision d = engine.decide(store.view(dag, runId), new Event.RunRequested(runId, RunType.MANUAL,
                            later, later, later, null, "v"), later, new java.util.Random(1));
                    try {
                        store.apply(d);
                        dispatched.addAndGet(d.dispatches().size());
                        return null;
                    } catch (ConcurrentUpdateException lost) {
                        // another worker changed the breaker first: decide again on fresh state
                    }
                }
                throw new AssertionError("no progress for " + runId);
            }));
        }
        go.countDown();
        for (java.util.concurrent.Future<?> f : futures) {
            f.get(60, java.util.concurrent.TimeUnit.SECONDS);
        }
        pool.shutdown();
        org.assertj.core.api.Assertions.assertThat(dispatched.get()).isEqualTo(1);
        dev.sluice.engine.BreakerState b = store.breakers().get(0);
        org.assertj.core.api.Assertions.assertThat(b.status()).isEqualTo(dev.sluice.engine.BreakerState.Status.HALF_OPEN);
        int deferred = 0;
        for (int w = 0; w < workers; w++) {
            TaskInstance t = store.view(dag, "guarded.manual__w" + w).instance(TaskKey.of("call"));
            if (t.state() == TaskState.UP_FOR_RESCHEDULE) {
                deferred++;
            }
        }
        org.assertj.core.api.Assertions.assertThat(deferred).isEqualTo(workers - 1);
    }

    // ---- effects (callbacks and alerts: an outbox written with the decision) ----

    @Test
    void effectsAreWrittenWithTheirDecisionOncePerKeyAndClaimedOnce() {
        dev.sluice.model.Callbacks cb = new dev.sluice.model.Callbacks("fail.sh", "retry.sh", "ok.sh", "sla.sh",
                "exec.sh");
        Dag dag = DagBuilder.dag("fx").task("a", t -> t.command("x").callbacks(cb)
                .sla(Duration.ofSeconds(5))).build();
        RunDriver d = new RunDriver(dag, store, T0, new Random(1));
        d.start("fx.r1");
        Dispatch x = d.pending().poll();
        d.send("fx.r1", new Event.TaskStarted(x.task(), 1));
        d.advance(Duration.ofSeconds(10));
        d.send("fx.r1", new Event.TaskSucceeded(x.task(), 1, "\"out\""));
        List<dev.sluice.engine.Effect> effects = store.effects("fx.r1");
        assertThat(effects).extracting(dev.sluice.engine.Effect::key).containsExactlyInAnyOrder(
                "fx.r1|a|-1|1|execute", "fx.r1|a|-1|1|success", "fx.r1|a|-1|0|sla_miss");
        dev.sluice.engine.Effect sla = effects.stream()
                .filter(e -> e.kind() == dev.sluice.engine.Effect.Kind.SLA_MISS).findFirst().orElseThrow();
        assertThat(sla.callback()).isEqualTo("sla.sh");
        assertThat(sla.dueAt()).isEqualTo(T0.plusSeconds(5));
        assertThat(sla.dagId()).isEqualTo("fx");
        assertThat(sla.state()).isEqualTo(dev.sluice.engine.Effect.State.PENDING);

        assertThat(store.claimEffect(sla)).isTrue();
        assertThat(store.claimEffect(sla)).isFalse();
        store.finishEffect(sla, dev.sluice.engine.Effect.State.FAILED, "exit 1");
        // The SLA timer fires late: the miss is asked for again, and the stored one stays as it is.
        d.send("fx.r1", new Event.TimerFired(TaskKey.of("a"), 0, Timer.Kind.SLA));
        List<dev.sluice.engine.Effect> after = store.effects("fx.r1");
        assertThat(after).hasSize(3);
        assertThat(after).filteredOn(e -> e.key().equals(sla.key())).singleElement().satisfies(e -> {
            assertThat(e.state()).isEqualTo(dev.sluice.engine.Effect.State.FAILED);
            assertThat(e.detail()).isEqualTo("exit 1");
        });
        assertThat(store.effects("fx.other")).isEmpty();
    }
}
