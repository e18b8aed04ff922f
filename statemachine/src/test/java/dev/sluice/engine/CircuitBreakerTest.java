package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.engine.testing.RunDriver;
import dev.sluice.model.CircuitBreakerSpec;
import dev.sluice.model.Dag;
import dev.sluice.model.DagBuilder;
import dev.sluice.state.TaskState;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shared circuit breaker: state in the store, deferral without using tries. */
class CircuitBreakerTest {
    private static final CircuitBreakerSpec SF = new CircuitBreakerSpec("salesforce", 2, Duration.ofMinutes(5));

    private static Dag dag(int tasks) {
        DagBuilder b = DagBuilder.dag("cb").maxActiveTasks(1);
        for (int i = 0; i < tasks; i++) {
            b.task("call" + i, t -> t.command("x").retries(3).circuitBreaker(SF));
        }
        return b.build();
    }

    private static BreakerState breaker(RunDriver d) {
        return d.store().breakers().stream().filter(b -> b.name().equals("salesforce")).findFirst().orElse(null);
    }

    @Test
    void opensAfterTheThresholdAndDefersOtherTasksWithoutUsingTries() {
        RunDriver d = new RunDriver(dag(3));
        d.start("r1");
        TaskKey c0 = TaskKey.of("call0");
        d.send("r1", new Event.TaskFailed(c0, 1, "503", true));
        assertThat(breaker(d).status()).isEqualTo(BreakerState.Status.CLOSED);
        assertThat(breaker(d).failures()).isEqualTo(1);
        // call1 got the slot
        d.send("r1", new Event.TaskFailed(TaskKey.of("call1"), 1, "503", true));
        assertThat(breaker(d).status()).isEqualTo(BreakerState.Status.OPEN);
        // call2 is next in line but the breaker is open: deferred, not failed, no try used
        TaskInstance c2 = d.instance("r1", "call2");
        assertThat(c2.state()).isEqualTo(TaskState.UP_FOR_RESCHEDULE);
        assertThat(c2.tryNumber()).isZero();
        assertThat(c2.error()).contains("circuit breaker salesforce is open; next check at ")
                .endsWith(String.valueOf(c2.nextAttemptAt()));
    }

    @Test
    void halfOpenAdmitsExactlyOneProbeWhoseSuccessCloses() {
        RunDriver d = new RunDriver(dag(3));
        d.start("r1");
        d.send("r1", new Event.TaskFailed(TaskKey.of("call0"), 1, "503", true));
        d.send("r1", new Event.TaskFailed(TaskKey.of("call1"), 1, "503", true));
        assertThat(breaker(d).status()).isEqualTo(BreakerState.Status.OPEN);
        d.advance(Duration.ofMinutes(6));
        // The retry timers of call0/call1 and the reschedule timer of call2 all fire; only one probe may start.
        for (Timer t : d.store().dueTimers(d.now(), 100)) {
            d.store().deleteTimer(t);
            d.send("r1", new Event.TimerFired(t.task(), t.tryNumber(), t.kind()));
        }
        d.send("r1", new Event.Tick());
        assertThat(breaker(d).status()).isEqualTo(BreakerState.Status.HALF_OPEN);
        long active = d.store().instances("r1").stream().filter(t -> t.state().isActive()).count();
        assertThat(active).isEqualTo(1);
        Dispatch probe = d.pending().peekLast();
        assertThat(breaker(d).probe()).isEqualTo("r1/" + probe.task() + "/" + probe.tryNumber());
        d.send("r1", new Event.TaskSucceeded(probe.task(), probe.tryNumber(), null));
        assertThat(breaker(d).status()).isEqualTo(BreakerState.Status.CLOSED);
        assertThat(breaker(d).failures()).isZero();
        // With the breaker closed, the rest finish.
        d.pending().removeIf(x -> x.task().equals(probe.task()) && x.tryNumber() == probe.tryNumber());
        assertThat(d.runToEnd("r1", RunDriver.allSucceed()).state()).isEqualTo(dev.sluice.state.RunState.SUCCESS);
    }

    @Test
    void aFailedProbeOpensTheBreakerAgain() {
        RunDriver d = new RunDriver(dag(2));
        d.start("r1");
        d.send("r1", new Event.TaskFailed(TaskKey.of("call0"), 1, "503", true));
        d.send("r1", new Event.TaskFailed(TaskKey.of("call1"), 1, "503", true));
        d.advance(Duration.ofMinutes(6));
        for (Timer t : d.store().dueTimers(d.now(), 100)) {
            d.store().deleteTimer(t);
            d.send("r1", new Event.TimerFired(t.task(), t.tryNumber(), t.kind()));
        }
        Dispatch probe = d.pending().peekLast();
        assertThat(breaker(d).status()).isEqualTo(BreakerState.Status.HALF_OPEN);
        d.send("r1", new Event.TaskFailed(probe.task(), probe.tryNumber(), "still 503", true));
        assertThat(breaker(d).status()).isEqualTo(BreakerState.Status.OPEN);
        assertThat(breaker(d).openedAt()).isEqualTo(d.now());
    }

    @Test
    void theBreakerIsSharedAcrossRunsAndDags() {
        Dag a = dag(1);
        Dag b = DagBuilder.dag("other").task("sync", t -> t.command("x").circuitBreaker(SF)).build();
        RunDriver d = new RunDriver(a);
        d.start("r1");
        d.send("r1", new Event.TaskFailed(TaskKey.of("call0"), 1, "503", false));
        d.send("r1", new Event.ClearTasks(List.of("call0"), false));
        Dispatch again = d.pending().peekLast();
        d.send("r1", new Event.TaskFailed(again.task(), again.tryNumber(), "503", false));
        assertThat(breaker(d).status()).isEqualTo(BreakerState.Status.OPEN);
        RunDriver other = new RunDriver(b, d.store(), d.now(), new java.util.Random(1));
        other.start("r2");
        assertThat(other.instance("r2", "sync").state()).isEqualTo(TaskState.UP_FOR_RESCHEDULE);
        assertThat(d.store().resetBreaker("salesforce")).isTrue();
        assertThat(breaker(d).status()).isEqualTo(BreakerState.Status.CLOSED);
        assertThat(d.store().resetBreaker("nope")).isFalse();
    }
}
