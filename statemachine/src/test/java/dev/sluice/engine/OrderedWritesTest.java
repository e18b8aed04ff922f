package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.model.Dag;
import dev.sluice.model.DagBuilder;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import dev.sluice.store.ConcurrentUpdateException;
import dev.sluice.store.InMemoryStateStore;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Ordered writes ({@link Decision#commitLast()}): a completion that changes only its own instance and its direct
 * downstream instances may be written as single writes, downstream first, the completed instance last. These tests
 * cut such a decision after its first writes, as a crashed coordinator would, and check what comes next.
 */
class OrderedWritesTest {
    private static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");
    /** As the coordinator builds it: bounded, ordered writes on. */
    private static final EngineOptions ORDERED =
            EngineOptions.builder().maxDispatchesPerDecision(25).orderedWrites(true).build();

    private final InMemoryStateStore store = new InMemoryStateStore();
    private final Random random = new Random(7);

    private Decision decide(Engine engine, Event e) {
        return engine.decide(store.view(engine.dag(), "r1"), e, T0, random);
    }

    private Decision run(Engine engine, Event e) {
        Decision d = decide(engine, e);
        store.apply(d);
        return d;
    }

    /** Applies every write of the decision but the last one: the coordinator died before the completed instance. */
    private void applyAllButLast(Decision d) {
        assertThat(d.commitLast()).isNotNull();
        store.apply(d.withOnly(d.instances().stream().filter(t -> !t.key().equals(d.commitLast())).toList()));
    }

    private void start(Engine engine, String task) {
        run(engine, new Event.TaskStarted(TaskKey.of(task), 1));
    }

    private static Dag chain() {
        return DagBuilder.dag("chain").task("a", t -> t.command("x")).task("b", t -> t.command("x").upstream("a"))
                .task("c", t -> t.command("x").upstream("b")).build();
    }

    @Test
    void aNewRunStoresOnlyWhatStartsAndAChainStepIsTwoOrderedWrites() {
        Engine engine = new Engine(chain(), ORDERED);
        Decision created = run(engine, new Event.RunRequested("r1", RunType.MANUAL, T0, T0, T0, null, "v1"));
        assertThat(created.instances()).extracting(TaskInstance::taskId).containsExactly("a");
        start(engine, "a");

        Decision done = decide(engine, new Event.TaskSucceeded(TaskKey.of("a"), 1, "{}"));
        assertThat(done.run()).as("the slot a frees is the one b takes: the run is not rewritten").isNull();
        assertThat(done.commitLast()).isEqualTo(TaskKey.of("a"));
        TaskInstance b = done.instances().stream().filter(t -> t.taskId().equals("b")).findFirst().orElseThrow();
        assertThat(b.state()).isEqualTo(TaskState.QUEUED);
        assertThat(b.tentative()).isEqualTo(new TaskInstance.Tentative(
                MarkSource.decode("a#-1#1#TaskSucceeded"), TaskState.NONE));
        assertThat(done.instances().stream().filter(t -> t.taskId().equals("a")).findFirst().orElseThrow()
                .tentative()).isNull();
        assertThat(done.dispatches()).extracting(x -> x.task().taskId()).containsExactly("b");
    }

    @Test
    void theRedeliveredCompletionFinishesAnInterruptedOneWithoutCountingTwice() {
        Engine engine = new Engine(chain(), ORDERED);
        run(engine, new Event.RunRequested("r1", RunType.MANUAL, T0, T0, T0, null, "v1"));
        start(engine, "a");
        Event success = new Event.TaskSucceeded(TaskKey.of("a"), 1, "{\"n\":1}");
        applyAllButLast(decide(engine, success));
        assertThat(store.instances("r1")).filteredOn(t -> t.taskId().equals("b")).singleElement()
                .satisfies(b -> assertThat(b.upstream().success()).isEqualTo(1));

        Decision replay = run(engine, success);
        assertThat(replay.dispatches()).as("b was claimed, but its dispatch died with the coordinator")
                .extracting(x -> x.task().taskId() + "#" + x.tryNumber()).containsExactly("b#1");
        assertThat(replay.run()).isNull();
        TaskInstance b = store.instances("r1").stream().filter(t -> t.taskId().equals("b")).findFirst().orElseThrow();
        assertThat(b.upstream().success()).as("counted once").isEqualTo(1);
        assertThat(b.state()).isEqualTo(TaskState.QUEUED);
        assertThat(b.tryNumber()).isEqualTo(1);

        // A duplicate of the same report now changes nothing, and the run finishes with exact counters.
        assertThat(decide(engine, success).isNoop()).isTrue();
        start(engine, "b");
        run(engine, new Event.TaskSucceeded(TaskKey.of("b"), 1, null));
        start(engine, "c");
        run(engine, new Event.TaskSucceeded(TaskKey.of("c"), 1, null));
        DagRun r = store.run("r1").orElseThrow();
        assertThat(r.state()).isEqualTo(RunState.SUCCESS);
        assertThat(r.pending()).isZero();
        assertThat(r.activeTasks()).isZero();
    }

    @Test
    void anotherUpstreamWaitsUntilTheInterruptedCompletionIsWritten() {
        Dag dag = DagBuilder.dag("join").maxActiveTasks(8).task("a", t -> t.command("x"))
                .task("c", t -> t.command("x")).task("j", t -> t.command("x").upstream("a", "c")).build();
        Engine engine = new Engine(dag, ORDERED);
        run(engine, new Event.RunRequested("r1", RunType.MANUAL, T0, T0, T0, null, "v1"));
        start(engine, "a");
        start(engine, "c");
        Event aDone = new Event.TaskSucceeded(TaskKey.of("a"), 1, null);
        Decision partial = decide(engine, aDone);
        assertThat(partial.run()).as("a's completion moves the run counters").isNotNull();
        // With the run item changing, the decision is written atomically: no ordered writes to interrupt.
        assertThat(partial.commitLast()).isNull();
        store.apply(partial);
        // Now a completion that is ordered: c finishes and claims j (a slot for a slot).
        Decision cDone = decide(engine, new Event.TaskSucceeded(TaskKey.of("c"), 1, null));
        assertThat(cDone.commitLast()).isEqualTo(TaskKey.of("c"));
        applyAllButLast(cDone);
        // A clear of j (an operator) reads j, sees c's half-written completion and waits for it.
        assertThatThrownBy(() -> decide(engine, new Event.ClearTasks(List.of("j"), false)))
                .isInstanceOf(ConcurrentUpdateException.class).hasMessageContaining("waits for the completion of c");
        run(engine, new Event.TaskSucceeded(TaskKey.of("c"), 1, null));
        assertThat(decide(engine, new Event.ClearTasks(List.of("j"), false)).isNoop()).isFalse();
    }

    @Test
    void aTimeoutOfATryWhoseSuccessIsHalfWrittenIsIgnored() {
        Engine engine = new Engine(chain(), ORDERED);
        run(engine, new Event.RunRequested("r1", RunType.MANUAL, T0, T0, T0, null, "v1"));
        start(engine, "a");
        applyAllButLast(decide(engine, new Event.TaskSucceeded(TaskKey.of("a"), 1, null)));
        Decision timeout = decide(engine, new Event.TaskTimedOut(TaskKey.of("a"), 1, "lease expired"));
        assertThat(timeout.isNoop()).isTrue();
        assertThat(timeout.notifications()).singleElement().asString().contains("is being written; it wins");
    }

    @Test
    void atomicStoresMayIgnoreTheOrderAndTheEngineWithoutItNeverAsks() {
        Engine plain = new Engine(chain(), EngineOptions.builder().maxDispatchesPerDecision(25).build());
        run(plain, new Event.RunRequested("r1", RunType.MANUAL, T0, T0, T0, null, "v1"));
        start(plain, "a");
        Decision d = decide(plain, new Event.TaskSucceeded(TaskKey.of("a"), 1, null));
        assertThat(d.commitLast()).isNull();
        assertThat(d.instances()).allSatisfy(t -> assertThat(t.tentative()).isNull());
    }

    @Test
    void aCompletionReadsItsDownstreamBeforeItsOwnInstance() {
        Dag dag = DagBuilder.dag("join").maxActiveTasks(8).task("a", t -> t.command("x"))
                .task("c", t -> t.command("x")).task("j", t -> t.command("x").upstream("a", "c")).build();
        Engine engine = new Engine(dag, ORDERED);
        run(engine, new Event.RunRequested("r1", RunType.MANUAL, T0, T0, T0, null, "v1"));
        start(engine, "a");
        RunView stored = store.view(dag, "r1");
        List<String> reads = new java.util.ArrayList<>();
        RunView recording = new RunView() {
            public DagRun run() {
                return stored.run();
            }

            public TaskInstance instance(TaskKey key) {
                reads.add(key.taskId());
                return stored.instance(key);
            }

            public java.util.Iterator<TaskInstance> scheduledInPriorityOrder() {
                return stored.scheduledInPriorityOrder();
            }

            public int poolUsed(String pool) {
                return stored.poolUsed(pool);
            }

            public int runningRunsOfDag() {
                return stored.runningRunsOfDag();
            }
        };
        engine.decide(recording, new Event.TaskSucceeded(TaskKey.of("a"), 1, null), T0, random);
        // A late duplicate that read a before its committed completion and j after a later mark had replaced that
        // completion's would count it twice; read in this order, a shows the commit whenever j could show the mark.
        assertThat(reads).startsWith("j", "a");
    }

    @Test
    void aRetryRewritesTheDownstreamSoAHalfWrittenSuccessOfTheSameTryCannotOutliveIt() {
        Dag dag = DagBuilder.dag("chain").task("a", t -> t.command("x").retries(2))
                .task("b", t -> t.command("x").upstream("a")).build();
        Engine engine = new Engine(dag, ORDERED);
        run(engine, new Event.RunRequested("r1", RunType.MANUAL, T0, T0, T0, null, "v1"));
        start(engine, "a");
        Decision retry = decide(engine, new Event.TaskTimedOut(TaskKey.of("a"), 1, "lease expired"));
        Decision success = decide(engine, new Event.TaskSucceeded(TaskKey.of("a"), 1, null));
        assertThat(retry.instances()).extracting(TaskInstance::taskId).contains("a", "b");
        assertThat(retry.instances()).filteredOn(t -> t.taskId().equals("b")).singleElement()
                .satisfies(b -> assertThat(b.state()).isEqualTo(TaskState.NONE));
        // The success's marks land between the retry's reads and its write: the retry's write fails...
        applyAllButLast(success);
        assertThatThrownBy(() -> store.apply(retry)).isInstanceOf(ConcurrentUpdateException.class);
        // ...and decided again, it yields to the success, which completes.
        assertThat(decide(engine, new Event.TaskTimedOut(TaskKey.of("a"), 1, "lease expired")).isNoop()).isTrue();
        run(engine, new Event.TaskSucceeded(TaskKey.of("a"), 1, null));
        assertThat(store.instances("r1")).filteredOn(t -> t.taskId().equals("a")).singleElement()
                .satisfies(a -> assertThat(a.state()).isEqualTo(TaskState.SUCCESS));
        assertThat(store.instances("r1")).filteredOn(t -> t.taskId().equals("b")).singleElement()
                .satisfies(b -> assertThat(b.state()).isEqualTo(TaskState.QUEUED));
    }

    @Test
    void anInstanceTheInterruptedAttemptEndedStillPassesItsEndToADownstreamItemThatWasNotWritten() {
        Dag dag = DagBuilder.dag("fan").maxActiveTasks(8).task("a", t -> t.command("x"))
                .task("b", t -> t.command("x").upstream("a"))
                .task("c", t -> t.command("x").upstream("a", "b").triggerRule(dev.sluice.model.TriggerRule.ALL_FAILED))
                .build();
        Engine engine = new Engine(dag, ORDERED);
        run(engine, new Event.RunRequested("r1", RunType.MANUAL, T0, T0, T0, null, "v1"));
        start(engine, "a");
        Event failed = new Event.TaskFailed(TaskKey.of("a"), 1, "boom", false);
        Decision first = decide(engine, failed);
        assertThat(first.commitLast()).isEqualTo(TaskKey.of("a"));
        // Only b (upstream_failed, with the mark) landed; c, which b's end also counts in, did not.
        TaskInstance b = first.instances().stream().filter(t -> t.taskId().equals("b")).findFirst().orElseThrow();
        assertThat(b.state()).isEqualTo(TaskState.UPSTREAM_FAILED);
        store.apply(first.withOnly(List.of(b)));

        Decision again = run(engine, failed);
        assertThat(again.dispatches()).extracting(x -> x.task().taskId()).containsExactly("c");
        TaskInstance c = store.instances("r1").stream().filter(t -> t.taskId().equals("c")).findFirst()
                .orElseThrow();
        assertThat(c.state()).isEqualTo(TaskState.QUEUED);
        assertThat(c.upstream().done()).isEqualTo(2);
    }

    @Test
    void aFanOutWiderThanATransactionInterruptedBetweenChunksIsCompletedWithoutCountingTwice() {
        DagBuilder b = DagBuilder.dag("wide").maxActiveTasks(30).task("root", t -> t.command("x"));
        for (int i = 0; i < 120; i++) {
            b.task("m" + i, t -> t.command("x").upstream("root"));
        }
        Engine engine = new Engine(b.build(), ORDERED);
        run(engine, new Event.RunRequested("r1", RunType.MANUAL, T0, T0, T0, null, "v1"));
        start(engine, "root");
        Event done = new Event.TaskSucceeded(TaskKey.of("root"), 1, null);
        Decision first = decide(engine, done);
        assertThat(first.commitLast()).isEqualTo(TaskKey.of("root"));
        assertThat(first.run()).isNotNull();
        assertThat(first.instances()).filteredOn(t -> !t.taskId().equals("root"))
                .hasSize(120).allSatisfy(t -> assertThat(t.tentative()).isNotNull());
        // The first chunk lands (99 downstream items, some of them claimed), then the coordinator dies.
        store.apply(first.withOnly(first.instances().stream().filter(t -> !t.taskId().equals("root")).limit(99)
                .toList()));

        Decision again = run(engine, done);
        List<TaskInstance> all = store.instances("r1");
        DagRun r = store.run("r1").orElseThrow();
        assertThat(r.pending()).as("pending").isEqualTo(all.stream()
                .filter(t -> t.state() != TaskState.NONE && !t.state().isTerminal()).count());
        assertThat(r.activeTasks()).as("active").isEqualTo(all.stream().filter(t -> t.state().isActive()).count());
        assertThat(r.waiting()).as("waiting").isEqualTo(all.stream()
                .filter(t -> t.state() == TaskState.SCHEDULED).count());
        assertThat(all).filteredOn(t -> t.taskId().startsWith("m")).hasSize(120)
                .allSatisfy(t -> assertThat(t.upstream().success()).as(t.taskId()).isEqualTo(1));
        assertThat(again.dispatches()).extracting(x -> x.task().taskId()).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(all.stream().filter(t -> t.state() == TaskState.QUEUED)
                        .map(TaskInstance::taskId).toList());
    }
}
