package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.engine.testing.RunDriver;
import dev.sluice.model.Dag;
import dev.sluice.model.DagBuilder;
import dev.sluice.model.RetryPolicy;
import dev.sluice.model.TriggerRule;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import dev.sluice.store.InMemoryStateStore;
import dev.sluice.store.StateStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class EngineTest {

    private static Function<Dispatch, Event> outcomes(Map<String, String> byTask) {
        return x -> {
            String o = byTask.getOrDefault(x.task().taskId(), "ok");
            if (o.equals("fail")) {
                return new Event.TaskFailed(x.task(), x.tryNumber(), "boom", true);
            } else if (o.equals("skip")) {
                return new Event.TaskSkipped(x.task(), x.tryNumber(), "nothing to do");
            } else if (o.startsWith("out:")) {
                return new Event.TaskSucceeded(x.task(), x.tryNumber(), o.substring(4));
            }
            return new Event.TaskSucceeded(x.task(), x.tryNumber(), null);
        };
    }

    private static TaskState state(RunDriver d, String task) {
        return d.instance("r1", task).state();
    }

    @Test
    void chainRunsInOrderAndSucceeds() {
        Dag dag = DagBuilder.dag("chain")
                .task("a", t -> t.command("true"))
                .task("b", t -> t.command("true").upstream("a"))
                .task("c", t -> t.command("true").upstream("b"))
                .build();
        RunDriver d = new RunDriver(dag);
        d.start("r1");
        DagRun run = d.runToEnd("r1", RunDriver.allSucceed());
        assertThat(run.state()).isEqualTo(RunState.SUCCESS);
        assertThat(d.dispatched()).extracting(x -> x.task().taskId()).containsExactly("a", "b", "c");
        assertThat(run.pending()).isZero();
        assertThat(run.activeTasks()).isZero();
        assertThat(d.notifications()).contains(new Notification.RunFinished("chain", "r1", RunState.SUCCESS));
    }

    @Test
    void failurePropagatesUpstreamFailedAndAllDoneLeafStillRuns() {
        Dag dag = DagBuilder.dag("d")
                .task("extract", t -> t.command("x"))
                .task("load", t -> t.command("x").upstream("extract"))
                .task("notify", t -> t.command("x").upstream("load").triggerRule(TriggerRule.ALL_DONE))
                .build();
        RunDriver d = new RunDriver(dag);
        d.start("r1");
        DagRun run = d.runToEnd("r1", outcomes(Map.of("extract", "fail")));
        assertThat(state(d, "extract")).isEqualTo(TaskState.FAILED);
        assertThat(state(d, "load")).isEqualTo(TaskState.UPSTREAM_FAILED);
        assertThat(state(d, "notify")).isEqualTo(TaskState.SUCCESS);
        // Airflow: the run's state comes from its leaves; the only leaf succeeded.
        assertThat(run.state()).isEqualTo(RunState.SUCCESS);
    }

    @Test
    void runFailsWhenALeafFails() {
        Dag dag = DagBuilder.dag("d")
                .task("a", t -> t.command("x"))
                .task("b", t -> t.command("x").upstream("a"))
                .build();
        RunDriver d = new RunDriver(dag);
        d.start("r1");
        assertThat(d.runToEnd("r1", outcomes(Map.of("a", "fail"))).state()).isEqualTo(RunState.FAILED);
        assertThat(d.notifications()).anySatisfy(n -> assertThat(n).isInstanceOf(Notification.TaskFailedFinal.class));
    }

    @Test
    void branchSkipsTheOtherPathAndConvergenceRuns() {
        Dag dag = DagBuilder.dag("branchy")
                .task("choose", t -> t.command("echo weekday").branch(true))
                .task("weekday", t -> t.command("x").upstream("choose"))
                .task("weekend", t -> t.command("x").upstream("choose"))
                .task("weekend_report", t -> t.command("x").upstream("weekend"))
                .task("converge", t -> t.command("x").upstream("weekday", "weekend_report")
                        .triggerRule(TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS))
                .task("strict", t -> t.command("x").upstream("weekday", "weekend"))
                .build();
        RunDriver d = new RunDriver(dag);
        d.start("r1");
        DagRun run = d.runToEnd("r1", outcomes(Map.of("choose", "out:\"weekday\"")));
        assertThat(state(d, "weekday")).isEqualTo(TaskState.SUCCESS);
        assertThat(state(d, "weekend")).isEqualTo(TaskState.SKIPPED);
        assertThat(state(d, "weekend_report")).isEqualTo(TaskState.SKIPPED);
        assertThat(state(d, "converge")).isEqualTo(TaskState.SUCCESS);
        assertThat(state(d, "strict")).isEqualTo(TaskState.SKIPPED);
        assertThat(run.state()).isEqualTo(RunState.SUCCESS);
        assertThat(d.dispatched()).extracting(x -> x.task().taskId()).doesNotContain("weekend", "weekend_report");
    }

    @Test
    void branchAcceptsJsonListsAndGroupIds() {
        Dag dag = DagBuilder.dag("b2")
                .task("choose", t -> t.command("x").branch(true))
                .task("a", t -> t.command("x").upstream("choose"))
                .group("g", List.of("choose"), g -> g.task("inner", t -> t.command("x")),
                        dev.sluice.model.Location.UNKNOWN)
                .task("c", t -> t.command("x").upstream("choose"))
                .build();
        RunDriver d = new RunDriver(dag);
        d.start("r1");
        d.runToEnd("r1", outcomes(Map.of("choose", "out:[\"a\",\"g\"]")));
        assertThat(state(d, "a")).isEqualTo(TaskState.SUCCESS);
        assertThat(state(d, "g.inner")).isEqualTo(TaskState.SUCCESS);
        assertThat(state(d, "c")).isEqualTo(TaskState.SKIPPED);
    }

    @Test
    void branchChoosingANonDownstreamTaskFailsTheBranchTask() {
        Dag dag = DagBuilder.dag("b3")
                .task("choose", t -> t.command("x").branch(true).retries(3))
                .task("a", t -> t.command("x").upstream("choose"))
                .build();
        RunDriver d = new RunDriver(dag);
        d.start("r1");
        DagRun run = d.runToEnd("r1", outcomes(Map.of("choose", "out:\"nope\"")));
        TaskInstance choose = d.instance("r1", "choose");
        assertThat(choose.state()).isEqualTo(TaskState.FAILED);
        assertThat(choose.tryNumber()).isEqualTo(1);
        assertThat(choose.error()).contains("'nope'", "not directly downstream");
        assertThat(state(d, "a")).isEqualTo(TaskState.UPSTREAM_FAILED);
        assertThat(run.state()).isEqualTo(RunState.FAILED);
    }

    @Test
    void literalExpandCreatesOneInstancePerItemAndDownstreamWaitsForAll() {
        Dag dag = DagBuilder.dag("m")
                .task("start", t -> t.command("x"))
                .task("per_table", t -> t.command("echo {{ item }}").upstream("start")
                        .expand(List.of("orders", "customers", "products")))
                .task("after", t -> t.command("x").upstream("per_table"))
                .build();
        RunDriver d = new RunDriver(dag);
        d.start("r1");
        List<String> order = new ArrayList<>();
        DagRun run = d.runToEnd("r1", x -> {
            order.add(x.task() + "=" + x.itemJson());
            return new Event.TaskSucceeded(x.task(), x.tryNumber(), null);
        });
        assertThat(order).containsExactly("start=null", "per_table[0]=\"orders\"", "per_table[1]=\"customers\"",
                "per_table[2]=\"products\"", "after=null");
        assertThat(d.instance("r1", "per_table").state()).isEqualTo(TaskState.REMOVED);
        assertThat(d.instance("r1", "per_table").mapCount()).isEqualTo(3);
        assertThat(d.instance("r1", "per_table", 2).state()).isEqualTo(TaskState.SUCCESS);
        assertThat(run.state()).isEqualTo(RunState.SUCCESS);
    }

    @Test
    void expandFromMapsOverAnUpstreamOutputAndOneFailedInstanceFailsTheJoin() {
        Dag dag = DagBuilder.dag("m2")
                .task("list_files", t -> t.command("x"))
                .task("process", t -> t.command("x").upstream("list_files").expandFrom("list_files"))
                .task("summarize", t -> t.command("x").upstream("process"))
                .build();
        RunDriver d = new RunDriver(dag);
        d.start("r1");
        DagRun run = d.runToEnd("r1", x -> {
            if (x.task().taskId().equals("list_files")) {
                return new Event.TaskSucceeded(x.task(), x.tryNumber(), "[\"a.csv\",\"b.csv\",{\"k\":1}]");
            }
            if (x.task().mapIndex() == 1) {
                return new Event.TaskFailed(x.task(), x.tryNumber(), "bad file", false);
            }
            return new Event.TaskSucceeded(x.task(), x.tryNumber(), "1");
        });
        assertThat(d.instance("r1", "process", 2).itemJson()).isEqualTo("{\"k\":1}");
        assertThat(d.instance("r1", "process", 1).state()).isEqualTo(TaskState.FAILED);
        assertThat(d.instance("r1", "process", 0).state()).isEqualTo(TaskState.SUCCESS);
        assertThat(state(d, "summarize")).isEqualTo(TaskState.UPSTREAM_FAILED);
        assertThat(run.state()).isEqualTo(RunState.FAILED);
    }

    @Test
    void emptyExpansionSkipsTheMappedTaskAndNonArrayOutputFailsIt() {
        Dag dag = DagBuilder.dag("m3")
                .task("src", t -> t.command("x"))
                .task("m", t -> t.command("x").upstream("src").expandFrom("src"))
                .task("after", t -> t.command("x").upstream("m"))
                .build();
        RunDriver d = new RunDriver(dag);
        d.start("r1");
        DagRun run = d.runToEnd("r1", outcomes(Map.of("src", "out:[]")));
        assertThat(state(d, "m")).isEqualTo(TaskState.SKIPPED);
        assertThat(state(d, "after")).isEqualTo(TaskState.SKIPPED);
        assertThat(run.state()).isEqualTo(RunState.SUCCESS);

        RunDriver d2 = new RunDriver(dag);
        d2.start("r1");
        DagRun run2 = d2.runToEnd("r1", outcomes(Map.of("src", "out:{\"not\":\"a list\"}")));
        assertThat(d2.instance("r1", "m").state()).isEqualTo(TaskState.FAILED);
        assertThat(d2.instance("r1", "m").error()).contains("must be a JSON array");
        assertThat(run2.state()).isEqualTo(RunState.FAILED);
    }

    @Test
    void retriesUseThePolicyDelaysAndStopAtMaxTries() {
        Dag dag = DagBuilder.dag("r")
                .task("flaky", t -> t.command("x").retry(new RetryPolicy.Airflow(2, Duration.ofMinutes(5), false,
                        null)))
                .build();
        RunDriver d = new RunDriver(dag);
        Instant t0 = d.now();
        d.start("r1");
        List<Instant> starts = new ArrayList<>();
        DagRun run = d.runToEnd("r1", x -> {
            starts.add(d.now());
            return new Event.TaskFailed(x.task(), x.tryNumber(), "boom", true);
        });
        assertThat(starts).containsExactly(t0, t0.plusSeconds(300), t0.plusSeconds(600));
        TaskInstance ti = d.instance("r1", "flaky");
        assertThat(ti.state()).isEqualTo(TaskState.FAILED);
        assertThat(ti.tryNumber()).isEqualTo(3);
        assertThat(run.state()).isEqualTo(RunState.FAILED);
        assertThat(d.dispatched()).extracting(Dispatch::tryNumber).containsExactly(1, 2, 3);
        assertThat(d.dispatched()).extracting(Dispatch::maxTries).containsOnly(3);
        assertThat(d.dispatched().get(0).nextRetryDelay()).isEqualTo(Duration.ofMinutes(5));
        assertThat(d.dispatched().get(2).nextRetryDelay()).isNull();
        assertThat(d.notifications()).filteredOn(n -> n instanceof Notification.TaskRetrying).hasSize(2);
    }

    @Test
    void failsTwiceThenSucceedsEndsWithTryThree() {
        Dag dag = DagBuilder.dag("r").task("t", t -> t.command("x").retries(3)).build();
        RunDriver d = new RunDriver(dag);
        d.start("r1");
        DagRun run = d.runToEnd("r1", x -> x.tryNumber() < 3
                ? new Event.TaskFailed(x.task(), x.tryNumber(), "no", true)
                : new Event.TaskSucceeded(x.task(), x.tryNumber(), "\"done\""));
        assertThat(run.state()).isEqualTo(RunState.SUCCESS);
        assertThat(d.instance("r1", "t").tryNumber()).isEqualTo(3);
        assertThat(d.instance("r1", "t").outputJson()).isEqualTo("\"done\"");
    }

    @Test
    void nonRetryableFailureEndsAtOnce() {
        Dag dag = DagBuilder.dag("r").task("t", t -> t.command("x").retries(5)).build();
        RunDriver d = new RunDriver(dag);
        d.start("r1");
        d.runToEnd("r1", x -> new Event.TaskFailed(x.task(), x.tryNumber(), "bad input", false));
        assertThat(d.instance("r1", "t").tryNumber()).isEqualTo(1);
        assertThat(d.instance("r1", "t").state()).isEqualTo(TaskState.FAILED);
    }

    @Test
    void timeoutIsARetryableFailure() {
        Dag dag = DagBuilder.dag("r").task("t", t -> t.command("x").retries(1)
                .executionTimeout(Duration.ofMinutes(10))).build();
        RunDriver d = new RunDriver(dag);
        d.start("r1");
        assertThat(d.dispatched().get(0).deadline()).isEqualTo(d.now().plus(Duration.ofMinutes(10)));
        DagRun run = d.runToEnd("r1", x -> x.tryNumber() == 1
                ? new Event.TaskTimedOut(x.task(), x.tryNumber(), "no report in 10m")
                : new Event.TaskSucceeded(x.task(), x.tryNumber(), null));
        assertThat(run.state()).isEqualTo(RunState.SUCCESS);
        assertThat(d.instance("r1", "t").tryNumber()).isEqualTo(2);
    }

    @Test
    void duplicateAndStaleEventsChangeNothing() {
        Dag dag = DagBuilder.dag("dup").task("a", t -> t.command("x").retries(1))
                .task("b", t -> t.command("x").upstream("a")).build();
        RunDriver d = new RunDriver(dag);
        d.start("r1");
        TaskKey a = TaskKey.of("a");
        d.send("r1", new Event.TaskStarted(a, 1));
        assertThat(d.send("r1", new Event.TaskStarted(a, 1)).isNoop()).isTrue();
        d.send("r1", new Event.TaskSucceeded(a, 1, "1"));
        Decision again = d.send("r1", new Event.TaskSucceeded(a, 1, "2"));
        assertThat(again.isNoop()).isTrue();
        assertThat(again.notifications().get(0)).isInstanceOf(Notification.Ignored.class);
        assertThat(d.send("r1", new Event.TaskFailed(a, 1, "late", true)).isNoop()).isTrue();
        assertThat(d.send("r1", new Event.TaskSucceeded(a, 7, "x")).isNoop()).isTrue();
        assertThat(d.send("r1", new Event.RunRequested("r1", RunType.MANUAL, d.now(), null, null, null, "v"))
                .isNoop()).isTrue();
        assertThat(d.instance("r1", "a").outputJson()).isEqualTo("1");
        assertThat(d.dispatched()).extracting(x -> x.task().taskId()).containsExactly("a", "b");
    }

    @Test
    void completionBeforeStartReportIsAccepted() {
        Dag dag = DagBuilder.dag("o").task("a", t -> t.command("x")).build();
        RunDriver d = new RunDriver(dag);
        d.start("r1");
        d.send("r1", new Event.TaskSucceeded(TaskKey.of("a"), 1, null));
        assertThat(d.send("r1", new Event.TaskStarted(TaskKey.of("a"), 1)).isNoop()).isTrue();
        assertThat(d.store().run("r1").orElseThrow().state()).isEqualTo(RunState.SUCCESS);
    }

    @Test
    void maxActiveTasksLimitsConcurrencyAndPriorityDecidesOrder() {
        DagBuilder b = DagBuilder.dag("wide").maxActiveTasks(2).task("root", t -> t.command("x"));
        for (int i = 0; i < 6; i++) {
            int p = i;
            b.task("t" + i, t -> t.command("x").upstream("root").priorityWeight(p));
        }
        Dag dag = b.build();
        RunDriver d = new RunDriver(dag);
        d.start("r1");
        d.send("r1", new Event.TaskSucceeded(TaskKey.of("root"), 1, null));
        assertThat(d.pending()).extracting(x -> x.task().taskId()).containsExactly("root", "t5", "t4");
        int maxActive = 0;
        d.pending().poll();
        while (!d.pending().isEmpty()) {
            Dispatch x = d.pending().poll();
            maxActive = Math.max(maxActive, d.store().run("r1").orElseThrow().activeTasks());
            d.send("r1", new Event.TaskSucceeded(x.task(), x.tryNumber(), null));
        }
        assertThat(maxActive).isEqualTo(2);
        assertThat(d.dispatched()).extracting(x -> x.task().taskId())
                .containsExactly("root", "t5", "t4", "t3", "t2", "t1", "t0");
    }

    @Test
    void twoDagsThatDeclareTheSamePoolDifferentlyShareTheFirstSizeAndBothFinish() {
        Dag small = DagBuilder.dag("small").pool("shared", 1)
                .task("a", t -> t.command("x").pool("shared")).task("b", t -> t.command("x").pool("shared")).build();
        Dag big = DagBuilder.dag("big").pool("shared", 3)
                .task("a", t -> t.command("x").pool("shared")).task("b", t -> t.command("x").pool("shared"))
                .task("c", t -> t.command("x").pool("shared")).build();
        StateStore store = new InMemoryStateStore();
        RunDriver s = new RunDriver(small, store, Instant.parse("2024-01-01T00:00:00Z"), new Random(1));
        RunDriver b = new RunDriver(big, store, Instant.parse("2024-01-01T00:00:00Z"), new Random(1));
        s.start("s1");
        assertThat(store.poolUsed("shared")).isEqualTo(1);
        b.start("b1");
        // The pool holds size 1 while small's slot is in use: big waits, and is told why.
        assertThat(b.pending()).isEmpty();
        assertThat(b.notifications()).contains(new Notification.PoolSizeConflict("b1", "shared", 3, 1,
                "declared by DAG small"));
        assertThat(s.runToEnd("s1", RunDriver.allSucceed()).state()).isEqualTo(RunState.SUCCESS);
        assertThat(store.poolUsed("shared")).isZero();
        // Idle again: big's declaration takes the pool, three at once.
        b.send("b1", new Event.Tick());
        assertThat(b.pending()).hasSize(3);
        assertThat(b.runToEnd("b1", RunDriver.allSucceed()).state()).isEqualTo(RunState.SUCCESS);
        assertThat(store.pools()).containsExactly(new Pool("shared", 3, 0, "big", null));
    }

    @Test
    void aPoolSizeSetByHandWinsOverTheDagsDeclaration() {
        Dag dag = DagBuilder.dag("pooled").pool("api", 3)
                .task("a", t -> t.command("x").pool("api")).task("b", t -> t.command("x").pool("api")).build();
        StateStore store = new InMemoryStateStore();
        store.setPool("api", 1, null);
        RunDriver d = new RunDriver(dag, store, Instant.parse("2024-01-01T00:00:00Z"), new Random(1));
        d.start("r1");
        assertThat(d.pending()).hasSize(1);
        assertThat(d.notifications()).contains(new Notification.PoolSizeConflict("r1", "api", 3, 1,
                "set with sluice pools set"));
        assertThat(d.runToEnd("r1", RunDriver.allSucceed()).state()).isEqualTo(RunState.SUCCESS);
        assertThat(store.pools()).containsExactly(new Pool("api", 1, 0, null, null));
    }

    @Test
    void poolsAreSharedAcrossRunsAndHonourPoolSlots() {
        Dag dag = DagBuilder.dag("pooled").pool("api", 3)
                .task("a", t -> t.command("x").pool("api").poolSlots(2))
                .task("b", t -> t.command("x").pool("api"))
                .task("c", t -> t.command("x").pool("api"))
                .build();
        RunDriver d = new RunDriver(dag);
        d.start("r1");
        // a (2 slots) + b (1 slot) fill the pool of 3; c waits.
        assertThat(d.pending()).extracting(x -> x.task().taskId()).containsExactly("a", "b");
        assertThat(d.store().poolUsed("api")).isEqualTo(3);
        d.start("r2");
        assertThat(d.history().get(d.history().size() - 1).dispatches()).isEmpty();
        Dispatch first = d.pending().poll();
        Decision freed = d.send("r1", new Event.TaskSucceeded(first.task(), first.tryNumber(), null));
        assertThat(freed.notifications()).contains(new Notification.PoolSlotsFreed("r1", "api"));
        assertThat(freed.dispatches()).extracting(x -> x.task().taskId()).containsExactly("c");
        assertThat(d.store().poolUsed("api")).isEqualTo(2);
        // The other run gets the two freed slots after a tick: its "a" needs both.
        Dispatch b = d.pending().poll();
        d.send("r1", new Event.TaskSucceeded(b.task(), b.tryNumber(), null));
        Decision tick = d.send("r2", new Event.Tick());
        assertThat(tick.dispatches()).extracting(x -> x.runId() + ":" + x.task().taskId()).containsExactly("r2:a");
    }

    @Test
    void maxActiveRunsQueuesTheNextRunUntilATick() {
        Dag dag = DagBuilder.dag("one").maxActiveRuns(1).task("a", t -> t.command("x")).build();
        RunDriver d = new RunDriver(dag);
        d.start("r1");
        d.start("r2");
        assertThat(d.store().run("r2").orElseThrow().state()).isEqualTo(RunState.QUEUED);
        assertThat(d.send("r2", new Event.Tick()).dispatches()).isEmpty();
        Dispatch a = d.pending().poll();
        d.send("r1", new Event.TaskSucceeded(a.task(), a.tryNumber(), null));
        Decision tick = d.send("r2", new Event.Tick());
        assertThat(tick.run().state()).isEqualTo(RunState.RUNNING);
        assertThat(tick.dispatches()).hasSize(1);
    }

    @Test
    void oneSuccessFiresWithoutWaitingForTheOthers() {
        Dag dag = DagBuilder.dag("os")
                .task("fast", t -> t.command("x"))
                .task("slow", t -> t.command("x"))
                .task("first", t -> t.command("x").upstream("fast", "slow").triggerRule(TriggerRule.ONE_SUCCESS))
                .build();
        RunDriver d = new RunDriver(dag);
        d.start("r1");
        Decision dec = d.send("r1", new Event.TaskSucceeded(TaskKey.of("fast"), 1, null));
        assertThat(dec.dispatches()).extracting(x -> x.task().taskId()).containsExactly("first");
        assertThat(d.instance("r1", "slow").state()).isEqualTo(TaskState.QUEUED);
    }

    @Test
    void alwaysRunsAtOnce() {
        Dag dag = DagBuilder.dag("al")
                .task("a", t -> t.command("x"))
                .task("watchdog", t -> t.command("x").upstream("a").triggerRule(TriggerRule.ALWAYS))
                .build();
        RunDriver d = new RunDriver(dag);
        d.start("r1");
        assertThat(d.pending()).extracting(x -> x.task().taskId()).containsExactly("a", "watchdog");
    }

    @Test
    void clearReRunsOnlyTheClearedTasksAndTheirDownstream() {
        Dag dag = DagBuilder.dag("cl")
                .task("a", t -> t.command("x"))
                .task("b", t -> t.command("x").upstream("a"))
                .task("c", t -> t.command("x").upstream("b"))
                .task("side", t -> t.command("x").upstream("a"))
                .build();
        RunDriver d = new RunDriver(dag);
        d.start("r1");
        d.runToEnd("r1", outcomes(Map.of("b", "fail")));
        assertThat(d.store().run("r1").orElseThrow().state()).isEqualTo(RunState.FAILED);
        int before = d.dispatched().size();
        d.send("r1", new Event.ClearTasks(List.of("b"), true));
        assertThat(state(d, "b")).isEqualTo(TaskState.QUEUED);
        assertThat(state(d, "c")).isEqualTo(TaskState.NONE);
        assertThat(d.store().run("r1").orElseThrow().state()).isEqualTo(RunState.RUNNING);
        DagRun run = d.runToEnd("r1", RunDriver.allSucceed());
        assertThat(run.state()).isEqualTo(RunState.SUCCESS);
        assertThat(d.dispatched().subList(before, d.dispatched().size())).extracting(x -> x.task().taskId())
                .containsExactly("b", "c");
        assertThat(d.instance("r1", "b").tryNumber()).isEqualTo(2);
    }

    @Test
    void clearWithoutDownstreamLeavesDownstreamAlone() {
        Dag dag = DagBuilder.dag("cl2")
                .task("a", t -> t.command("x"))
                .task("b", t -> t.command("x").upstream("a"))
                .build();
        RunDriver d = new RunDriver(dag);
        d.start("r1");
        d.runToEnd("r1", RunDriver.allSucceed());
        d.send("r1", new Event.ClearTasks(List.of("a"), false));
        DagRun run = d.runToEnd("r1", RunDriver.allSucceed());
        assertThat(run.state()).isEqualTo(RunState.SUCCESS);
        assertThat(d.dispatched()).extracting(x -> x.task().taskId()).containsExactly("a", "b", "a");
        assertThat(d.instance("r1", "b").upstream().success()).isEqualTo(1);
    }

    @Test
    void clearingAMappedTaskReExpandsIt() {
        Dag dag = DagBuilder.dag("cm")
                .task("m", t -> t.command("x").expand(List.of(1, 2)))
                .build();
        RunDriver d = new RunDriver(dag);
        d.start("r1");
        d.runToEnd("r1", outcomes(Map.of("m", "fail")));
        assertThat(d.store().run("r1").orElseThrow().state()).isEqualTo(RunState.FAILED);
        d.send("r1", new Event.ClearTasks(List.of("m"), false));
        DagRun run = d.runToEnd("r1", RunDriver.allSucceed());
        assertThat(run.state()).isEqualTo(RunState.SUCCESS);
        assertThat(d.instance("r1", "m", 0).state()).isEqualTo(TaskState.SUCCESS);
        assertThat(run.failedLeaves()).isZero();
    }

    @Test
    void rescheduleDoesNotUseATry() {
        Dag dag = DagBuilder.dag("sensor").task("wait", t -> t.command("x")).build();
        RunDriver d = new RunDriver(dag);
        d.start("r1");
        int[] pokes = {0};
        DagRun run = d.runToEnd("r1", x -> ++pokes[0] < 3
                ? new Event.TaskRescheduled(x.task(), x.tryNumber(), d.now().plusSeconds(300), "not yet")
                : new Event.TaskSucceeded(x.task(), x.tryNumber(), null));
        assertThat(run.state()).isEqualTo(RunState.SUCCESS);
        assertThat(d.dispatched()).extracting(Dispatch::tryNumber).containsExactly(1, 1, 1);
    }

    @Test
    void slaMissIsNotifiedWhenTheTaskIsNotDoneInTime() {
        Dag dag = DagBuilder.dag("sla").task("slow", t -> t.command("x").sla(Duration.ofMinutes(30))).build();
        RunDriver d = new RunDriver(dag);
        Decision created = d.send("r1", new Event.RunRequested("r1", RunType.SCHEDULED, d.now(), d.now(),
                d.now().plusSeconds(3600), null, "v"));
        Timer sla = created.timers().get(0);
        assertThat(sla.fireAt()).isEqualTo(d.now().plusSeconds(1800));
        Decision fired = d.send("r1", new Event.TimerFired(sla.task(), 0, Timer.Kind.SLA));
        assertThat(fired.notifications()).contains(new Notification.SlaMissed("r1", TaskKey.of("slow")));
    }

    @Test
    void exponentialBackoffStaysWithinAirflowBoundsAndCap() {
        RetryPolicy p = new RetryPolicy.Airflow(10, Duration.ofSeconds(30), true, Duration.ofMinutes(30));
        Random r = new Random(1);
        for (int attempt = 1; attempt <= 10; attempt++) {
            long base = (long) (30 * Math.pow(2, attempt - 1));
            for (int i = 0; i < 50; i++) {
                long s = RetryDelays.delay(p, attempt, r).toSeconds();
                assertThat(s).isBetween(Math.min(base, 1800), Math.min(2 * base - 1, 1800));
            }
        }
    }

    @Test
    void stepFunctionsPolicyUsesBackoffRateCapAndFullJitter() {
        RetryPolicy p = new RetryPolicy.StepFunctions(5, Duration.ofSeconds(2), 3.0, Duration.ofSeconds(60), false);
        Random r = new Random(1);
        assertThat(RetryDelays.delay(p, 1, r)).isEqualTo(Duration.ofSeconds(2));
        assertThat(RetryDelays.delay(p, 2, r)).isEqualTo(Duration.ofSeconds(6));
        assertThat(RetryDelays.delay(p, 3, r)).isEqualTo(Duration.ofSeconds(18));
        assertThat(RetryDelays.delay(p, 5, r)).isEqualTo(Duration.ofSeconds(60));
        RetryPolicy jitter = new RetryPolicy.StepFunctions(5, Duration.ofSeconds(2), 3.0, Duration.ofSeconds(60), true);
        Map<Long, Integer> seen = new HashMap<>();
        for (int i = 0; i < 200; i++) {
            long ms = RetryDelays.delay(jitter, 3, r).toMillis();
            assertThat(ms).isBetween(0L, 18_000L);
            seen.merge(ms / 6000, 1, Integer::sum);
        }
        assertThat(seen).containsKeys(0L, 1L, 2L);
        // Same seed, same delays: decisions can be replayed.
        assertThat(RetryDelays.delay(jitter, 4, new Random(9))).isEqualTo(RetryDelays.delay(jitter, 4, new Random(9)));
    }

    @Test
    void hugeAttemptNumbersDoNotOverflow() {
        RetryPolicy p = new RetryPolicy.Airflow(1000, Duration.ofDays(1), true, null);
        assertThat(RetryDelays.delay(p, 999, new Random(1)).toSeconds()).isLessThanOrEqualTo(RetryDelays.MAX_SECONDS);
    }

    @Test
    void eventsForUnknownRunsOrTasksAreIgnored() {
        Dag dag = DagBuilder.dag("x").task("a", t -> t.command("x")).build();
        RunDriver d = new RunDriver(dag);
        assertThat(d.send("nope", new Event.TaskSucceeded(TaskKey.of("a"), 1, null)).isNoop()).isTrue();
        d.start("r1");
        assertThat(d.send("r1", new Event.TaskSucceeded(TaskKey.of("zzz"), 1, null)).isNoop()).isTrue();
    }

    @Test
    void dispatchesPerDecisionAreBoundedAndContinueOnTick() {
        DagBuilder b = DagBuilder.dag("burst").maxActiveTasks(1000);
        for (int i = 0; i < 250; i++) {
            b.task("t" + i, t -> t.command("x"));
        }
        Dag dag = b.build();
        dev.sluice.store.InMemoryStateStore store = new dev.sluice.store.InMemoryStateStore();
        Engine engine = new Engine(dag, EngineOptions.builder().maxDispatchesPerDecision(100).build());
        Instant now = Instant.parse("2024-01-01T00:00:00Z");
        Decision first = engine.decide(store.view(dag, "r1"),
                new Event.RunRequested("r1", RunType.MANUAL, now, now, now, null, "v"), now, new Random(1));
        store.apply(first);
        assertThat(first.dispatches()).hasSize(100);
        assertThat(first.notifications()).contains(new Notification.MoreReady("r1"));
        int total = first.dispatches().size();
        for (int i = 0; i < 5; i++) {
            Decision tick = engine.decide(store.view(dag, "r1"), new Event.Tick(), now, new Random(1));
            store.apply(tick);
            total += tick.dispatches().size();
            assertThat(tick.dispatches().size()).isLessThanOrEqualTo(100);
        }
        assertThat(total).isEqualTo(250);
    }
}
