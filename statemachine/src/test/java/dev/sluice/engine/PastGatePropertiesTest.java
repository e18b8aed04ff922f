package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.engine.testing.RandomDags;
import dev.sluice.engine.testing.RunDriver;
import dev.sluice.model.Dag;
import dev.sluice.model.DagBuilder;
import dev.sluice.model.PastDependency;
import dev.sluice.model.RetryPolicy;
import dev.sluice.model.TaskSpec;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import dev.sluice.store.InMemoryStateStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

/** depends_on_past on random DAGs over three consecutive runs with random outcomes. */
class PastGatePropertiesTest {
    private static final PastDependency[] PAST = PastDependency.values();

    private static Dag dag(long seed) {
        Random r = new Random(seed);
        int n = 2 + r.nextInt(12);
        DagBuilder b = DagBuilder.dag("past_" + Long.toHexString(seed)).maxActiveTasks(1 + r.nextInt(4));
        for (int i = 0; i < n; i++) {
            List<String> ups = new ArrayList<>();
            for (int j = Math.max(0, i - 4); j < i; j++) {
                if (r.nextInt(2) == 0) {
                    ups.add("t" + j);
                }
            }
            PastDependency past = PAST[r.nextInt(PAST.length)];
            int retries = r.nextInt(4) == 0 ? 1 : 0;
            b.task("t" + i, t -> t.command("x").upstream(ups).past(past)
                    .retry(new RetryPolicy.Airflow(retries, Duration.ofSeconds(30), false, null)));
        }
        return b.build();
    }

    private static boolean done(TaskInstance t) {
        return t != null && (t.state() == TaskState.SUCCESS || t.state() == TaskState.SKIPPED);
    }

    @Property(tries = 200)
    void aTaskStartsOnlyAfterItsPastIsDoneAndNoTryIsDispatchedTwice(
            @ForAll @LongRange(min = 1, max = 1_000_000_000L) long seed) {
        Dag dag = dag(seed);
        RunDriver d = new RunDriver(dag, new InMemoryStateStore(), Instant.parse("2024-01-01T00:00:00Z"),
                new Random(seed));
        String[] runs = {"r1", "r2", "r3"};
        for (int k = 0; k < runs.length; k++) {
            Instant at = Instant.parse("2024-01-01T00:00:00Z").plus(Duration.ofDays(k));
            d.send(runs[k], new Event.RunRequested(runs[k], RunType.SCHEDULED, at, at, at.plus(Duration.ofDays(1)),
                    null, "v1"));
            d.runToEnd(runs[k], RandomDags.outcomes(dag, seed + k));
        }
        assertThat(d.maxDispatchesPerTry()).as("seed %d", seed).isEqualTo(1);
        for (int k = 0; k < runs.length; k++) {
            DagRun run = d.store().run(runs[k]).orElseThrow();
            int waiting = 0;
            for (TaskSpec spec : dag.tasks()) {
                TaskInstance ti = d.instance(runs[k], spec.taskId());
                boolean started = ti != null && ti.tryNumber() > 0;
                boolean pastDone = k == 0 || pastDone(d, dag, spec, runs[k - 1]);
                if (started && spec.past().any()) {
                    assertThat(pastDone).as("seed %d: %s of %s started before its past was done", seed,
                            spec.taskId(), runs[k]).isTrue();
                }
                if (ti != null && ti.state() == TaskState.SCHEDULED) {
                    waiting++;
                    assertThat(spec.past().any() && !pastDone).as("seed %d: %s of %s waits for nothing", seed,
                            spec.taskId(), runs[k]).isTrue();
                    assertThat(ti.error()).as("seed %d", seed).contains("in run " + runs[k - 1]);
                }
            }
            // A run ends, or waits only for its past: no try is in flight and nothing else is pending.
            if (run.state() == RunState.RUNNING) {
                assertThat(run.activeTasks()).as("seed %d", seed).isZero();
                assertThat(run.pending()).as("seed %d: %s", seed, runs[k]).isEqualTo(waiting).isPositive();
            } else {
                assertThat(waiting).isZero();
            }
        }
    }

    private static boolean pastDone(RunDriver d, Dag dag, TaskSpec spec, String previous) {
        if (!done(d.instance(previous, spec.taskId()))) {
            return false;
        }
        if (spec.past() == PastDependency.WAIT_FOR_DOWNSTREAM) {
            for (String down : dag.downstream(spec.taskId())) {
                if (!done(d.instance(previous, down))) {
                    return false;
                }
            }
        }
        return true;
    }
}
