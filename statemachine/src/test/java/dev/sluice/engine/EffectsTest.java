package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.engine.testing.RunDriver;
import dev.sluice.model.AlertRule;
import dev.sluice.model.Callbacks;
import dev.sluice.model.Dag;
import dev.sluice.model.DagAlerts;
import dev.sluice.model.DagBuilder;
import dev.sluice.model.Deadline;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Callbacks and alerts as effects: recorded with the change that causes them, once per key. */
class EffectsTest {

    private static final Callbacks ALL = new Callbacks("fail.sh", "retry.sh", "ok.sh", "sla.sh", "exec.sh");

    private static List<String> keys(RunDriver d, String runId) {
        return d.store().effects(runId).stream().map(Effect::key).toList();
    }

    private static Function<Dispatch, Event> failing(String taskId) {
        return x -> x.task().taskId().equals(taskId)
                ? new Event.TaskFailed(x.task(), x.tryNumber(), "boom " + x.tryNumber(), true)
                : new Event.TaskSucceeded(x.task(), x.tryNumber(), null);
    }

    @Test
    void eachKindIsRecordedOnceWithItsContext() {
        Dag dag = DagBuilder.dag("cb")
                .task("a", t -> t.command("x").retries(1).callbacks(ALL))
                .task("b", t -> t.command("x").callbacks(ALL))
                .alerts(new DagAlerts(new Callbacks("run_fail.sh", null, "run_ok.sh"), List.of(), null))
                .build();
        RunDriver d = new RunDriver(dag);
        d.start("r1");
        DagRun run = d.runToEnd("r1", failing("a"));
        assertThat(run.state()).isEqualTo(RunState.FAILED);

        assertThat(keys(d, "r1")).containsExactlyInAnyOrder(
                "r1|a|-1|1|execute", "r1|a|-1|1|retry", "r1|a|-1|2|execute", "r1|a|-1|2|failure",
                "r1|b|-1|1|execute", "r1|b|-1|1|success", "r1||-1|0|run_failed");
        Effect failure = d.store().effects("r1").stream().filter(e -> e.kind() == Effect.Kind.FAILURE)
                .findFirst().orElseThrow();
        assertThat(failure.callback()).isEqualTo("fail.sh");
        assertThat(failure.error()).isEqualTo("boom 2");
        assertThat(failure.tryNumber()).isEqualTo(2);
        assertThat(failure.maxTries()).isEqualTo(2);
        assertThat(failure.dagId()).isEqualTo("cb");
        assertThat(failure.state()).isEqualTo(Effect.State.PENDING);
        assertThat(d.store().effects("r1")).filteredOn(e -> e.kind() == Effect.Kind.RUN_FAILED).singleElement()
                .satisfies(e -> assertThat(e.callback()).isEqualTo("run_fail.sh"));
    }

    @Test
    void noCallbackAndNoAlertRecordsNothing() {
        Dag dag = DagBuilder.dag("plain").task("a", t -> t.command("x")).build();
        RunDriver d = new RunDriver(dag);
        d.start("r1");
        d.runToEnd("r1", RunDriver.allSucceed());
        assertThat(d.store().effects("r1")).isEmpty();
    }

    @Test
    void aDuplicateDeliveryOfEveryEventRecordsNothingTwice() {
        Dag dag = DagBuilder.dag("cb")
                .task("a", t -> t.command("x").retries(2).callbacks(ALL))
                .task("b", t -> t.command("x").upstream("a").callbacks(ALL))
                .build();
        RunDriver d = new RunDriver(dag);
        d.start("r1");
        d.runToEnd("r1", x -> x.tryNumber() == 1 && x.task().taskId().equals("a")
                ? new Event.TaskFailed(x.task(), 1, "boom", true)
                : new Event.TaskSucceeded(x.task(), x.tryNumber(), null));
        List<Effect> once = d.store().effects("r1");
        assertThat(once).extracting(Effect::kind).containsExactly(Effect.Kind.EXECUTE, Effect.Kind.RETRY,
                Effect.Kind.EXECUTE, Effect.Kind.SUCCESS, Effect.Kind.EXECUTE, Effect.Kind.SUCCESS);
        // Mark them done, then deliver every task event again: nothing is recorded twice, nothing reset.
        d.store().effects("r1").forEach(e -> {
            assertThat(d.store().claimEffect(e)).isTrue();
            d.store().finishEffect(e, Effect.State.DONE, null);
        });
        replayAll(d, "r1");
        assertThat(d.store().effects("r1")).extracting(Effect::key)
                .containsExactlyElementsOf(once.stream().map(Effect::key).toList());
        assertThat(d.store().effects("r1")).allMatch(e -> e.state() == Effect.State.DONE);
    }

    /** Sends every task event the run saw a second time. */
    private static void replayAll(RunDriver d, String runId) {
        for (Dispatch x : List.copyOf(d.dispatched())) {
            d.send(runId, new Event.TaskStarted(x.task(), x.tryNumber()));
            d.send(runId, new Event.TaskSucceeded(x.task(), x.tryNumber(), null));
            d.send(runId, new Event.TaskFailed(x.task(), x.tryNumber(), "again", true));
        }
        d.send(runId, new Event.Tick());
    }

    @Test
    void aClaimedEffectCannotBeClaimedAgain() {
        Dag dag = DagBuilder.dag("cb").task("a", t -> t.command("x").callbacks(ALL)).build();
        RunDriver d = new RunDriver(dag);
        d.start("r1");
        d.runToEnd("r1", RunDriver.allSucceed());
        Effect e = d.store().effects("r1").get(0);
        assertThat(d.store().claimEffect(e)).isTrue();
        assertThat(d.store().claimEffect(e)).isFalse();
        d.store().finishEffect(e, Effect.State.FAILED, "exit 3");
        assertThat(d.store().claimEffect(e)).isFalse();
        assertThat(d.store().effects("r1").get(0).state()).isEqualTo(Effect.State.FAILED);
        assertThat(d.store().effects("r1").get(0).detail()).isEqualTo("exit 3");
    }

    // ------------------------------------------------------------------ SLAs

    private static Dag slaDag() {
        return DagBuilder.dag("sla")
                .task("slow", t -> t.command("x").sla(Duration.ofSeconds(30)).callbacks(ALL))
                .build();
    }

    private static long misses(RunDriver d) {
        return d.store().effects("r1").stream().filter(e -> e.kind() == Effect.Kind.SLA_MISS).count();
    }

    @Test
    void theSlaTimerIsSetFromTheRunsStart() {
        RunDriver d = new RunDriver(slaDag());
        Decision created = d.send("r1", new Event.RunRequested("r1", RunType.SCHEDULED, d.now(), d.now(),
                d.now().plusSeconds(3600), null, "v"));
        assertThat(created.timers()).containsExactly(new Timer("r1", TaskKey.of("slow"), 0,
                d.now().plusSeconds(30), Timer.Kind.SLA));
    }

    @Test
    void aLateTaskMissesOnceHoweverOftenItIsChecked() {
        RunDriver d = new RunDriver(slaDag());
        d.start("r1");
        Dispatch x = d.pending().poll();
        d.send("r1", new Event.TaskStarted(x.task(), 1));
        d.advance(Duration.ofSeconds(31));
        Decision fired = d.send("r1", new Event.TimerFired(TaskKey.of("slow"), 0, Timer.Kind.SLA));
        assertThat(fired.effects()).extracting(Effect::kind).containsExactly(Effect.Kind.SLA_MISS);
        assertThat(fired.instances()).isEmpty();
        assertThat(fired.effects().get(0).callback()).isEqualTo("sla.sh");
        assertThat(fired.effects().get(0).dueAt()).isEqualTo(d.now().minusSeconds(1));
        d.send("r1", new Event.TimerFired(TaskKey.of("slow"), 0, Timer.Kind.SLA));
        d.send("r1", new Event.TaskSucceeded(x.task(), 1, null));
        d.send("r1", new Event.TimerFired(TaskKey.of("slow"), 0, Timer.Kind.SLA));
        assertThat(d.store().run("r1").orElseThrow().state()).isEqualTo(RunState.SUCCESS);
        assertThat(misses(d)).isEqualTo(1);
        assertThat(d.instance("r1", "slow").state()).isEqualTo(TaskState.SUCCESS);
    }

    @Test
    void aTaskSucceedingAfterItsSlaMissesBeforeTheTimerFires() {
        RunDriver d = new RunDriver(slaDag());
        d.start("r1");
        Dispatch x = d.pending().poll();
        d.send("r1", new Event.TaskStarted(x.task(), 1));
        d.advance(Duration.ofSeconds(45));
        Decision done = d.send("r1", new Event.TaskSucceeded(x.task(), 1, null));
        assertThat(done.effects()).extracting(Effect::kind)
                .contains(Effect.Kind.SUCCESS, Effect.Kind.SLA_MISS);
        d.runToEnd("r1", RunDriver.allSucceed());
        assertThat(misses(d)).isEqualTo(1);
    }

    @Test
    void aPunctualTaskNeverMisses() {
        RunDriver d = new RunDriver(slaDag());
        d.start("r1");
        Dispatch x = d.pending().poll();
        d.send("r1", new Event.TaskStarted(x.task(), 1));
        d.advance(Duration.ofSeconds(10));
        d.send("r1", new Event.TaskSucceeded(x.task(), 1, null));
        d.advance(Duration.ofSeconds(60));
        d.send("r1", new Event.TimerFired(TaskKey.of("slow"), 0, Timer.Kind.SLA));
        assertThat(misses(d)).isZero();
    }

    @Test
    void aTimerFiringAfterTheRunFailedStillGivesTheMiss() {
        Dag dag = DagBuilder.dag("sla")
                .task("first", t -> t.command("x"))
                .task("slow", t -> t.command("x").upstream("first").sla(Duration.ofMinutes(5)))
                .build();
        RunDriver d = new RunDriver(dag);
        d.start("r1");
        Dispatch x = d.pending().poll();
        d.send("r1", new Event.TaskStarted(x.task(), 1));
        d.send("r1", new Event.TaskFailed(x.task(), 1, "boom", false));
        assertThat(d.store().run("r1").orElseThrow().state()).isEqualTo(RunState.FAILED);
        // The run ended with slow upstream_failed: it can no longer succeed in time.
        assertThat(misses(d)).isEqualTo(1);
        d.advance(Duration.ofMinutes(6));
        Decision fired = d.send("r1", new Event.TimerFired(TaskKey.of("slow"), 0, Timer.Kind.SLA));
        assertThat(fired.notifications()).noneMatch(n -> n instanceof Notification.Ignored);
        assertThat(misses(d)).isEqualTo(1);
    }

    // ------------------------------------------------------------------ deadlines and alerts

    private static Dag deadlineDag(Deadline deadline) {
        return DagBuilder.dag("dl").task("a", t -> t.command("x"))
                .alerts(new DagAlerts(new Callbacks(null, null, null, "late.sh", null),
                        List.of(new AlertRule(Set.of(AlertRule.When.DEADLINE_MISS), true, "critical",
                                List.of("sns")))
                        , deadline))
                .build();
    }

    @Test
    void aRunPastItsDeadlineMissesOnce() {
        RunDriver d = new RunDriver(deadlineDag(new Deadline(Deadline.Reference.RUN_START, Duration.ofMinutes(1))));
        Decision created = d.send("r1", new Event.RunRequested("r1", RunType.MANUAL, d.now(), d.now(), d.now(),
                null, "v"));
        assertThat(created.timers()).extracting(Timer::kind).containsExactly(Timer.Kind.DEADLINE);
        Dispatch x = d.pending().poll();
        d.send("r1", new Event.TaskStarted(x.task(), 1));
        d.advance(Duration.ofMinutes(2));
        Decision fired = d.send("r1", new Event.TimerFired(created.timers().get(0).task(), 0, Timer.Kind.DEADLINE));
        assertThat(fired.effects()).singleElement().satisfies(e -> {
            assertThat(e.kind()).isEqualTo(Effect.Kind.DEADLINE_MISS);
            assertThat(e.callback()).isEqualTo("late.sh");
            assertThat(e.alerts()).containsExactly(new Effect.Alert("critical", List.of("sns")));
        });
        d.send("r1", new Event.TaskSucceeded(x.task(), 1, null));
        assertThat(d.store().effects("r1")).extracting(Effect::kind).containsExactly(Effect.Kind.DEADLINE_MISS);
    }

    @Test
    void aRunWithinItsDeadlineNeverMisses() {
        RunDriver d = new RunDriver(deadlineDag(new Deadline(Deadline.Reference.LOGICAL_DATE,
                Duration.ofMinutes(10))));
        d.start("r1");
        d.advance(Duration.ofMinutes(1));
        DagRun run = d.runToEnd("r1", RunDriver.allSucceed());
        assertThat(run.state()).isEqualTo(RunState.SUCCESS);
        assertThat(d.store().effects("r1")).isEmpty();
    }

    @Test
    void alertRulesMatchTheirEventsAndTakeTheSeverityFromTags() {
        Dag dag = DagBuilder.dag("al").tags("severity:critical", "team:data")
                .task("a", t -> t.command("x").retries(1))
                .alerts(new DagAlerts(null, List.of(
                        new AlertRule(Set.of(AlertRule.When.FAILED), true, null, List.of("sns")),
                        new AlertRule(Set.of(AlertRule.When.FAILED), false, "info", List.of("command:echo")),
                        new AlertRule(Set.of(AlertRule.When.RUN_FAILED), true, "warning",
                                List.of("webhook:http://127.0.0.1:1/x"))), null))
                .build();
        RunDriver d = new RunDriver(dag);
        d.start("r1");
        d.runToEnd("r1", failing("a"));
        Map<Effect.Kind, List<Effect.Alert>> byKind = new java.util.EnumMap<>(Effect.Kind.class);
        d.store().effects("r1").forEach(e -> byKind.put(e.kind(), e.alerts()));
        assertThat(byKind.get(Effect.Kind.RETRY)).containsExactly(new Effect.Alert("info", List.of("command:echo")));
        assertThat(byKind.get(Effect.Kind.FAILURE)).containsExactly(
                new Effect.Alert("critical", List.of("sns")), new Effect.Alert("info", List.of("command:echo")));
        assertThat(byKind.get(Effect.Kind.RUN_FAILED)).containsExactly(
                new Effect.Alert("warning", List.of("webhook:http://127.0.0.1:1/x")));
    }
}
