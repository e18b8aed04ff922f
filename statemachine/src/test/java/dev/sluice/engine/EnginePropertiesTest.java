package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.engine.testing.RandomDags;
import dev.sluice.engine.testing.RunDriver;
import dev.sluice.model.Dag;
import dev.sluice.model.TaskSpec;
import dev.sluice.model.TriggerRule;
import dev.sluice.state.TaskState;
import dev.sluice.store.InMemoryStateStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

/** Properties of the engine on random DAGs with random outcomes, retries, branches and mapped tasks. */
class EnginePropertiesTest {

    @Property(tries = 300)
    void everyRunTerminatesWithConsistentCounters(@ForAll @LongRange(min = 1, max = 1_000_000_000L) long seed) {
        Dag dag = RandomDags.dag(seed, 2, 40);
        RunDriver d = new RunDriver(dag, new InMemoryStateStore(), Instant.parse("2024-01-01T00:00:00Z"),
                new Random(seed));
        d.start("r1");
        DagRun run = d.runToEnd("r1", RandomDags.outcomes(dag, seed));
        assertThat(run.state().isTerminal()).as("seed %d", seed).isTrue();
        assertThat(run.pending()).isZero();
        assertThat(run.activeTasks()).isZero();
        for (TaskInstance ti : d.store().instances("r1")) {
            assertThat(ti.state().isTerminal()).as("seed %d: %s is %s", seed, ti.key(), ti.state()).isTrue();
        }
        for (TaskSpec t : dag.tasks()) {
            assertThat(d.store().poolUsed("p")).isZero();
        }
    }

    @Property(tries = 300)
    void eachTryIsDispatchedAtMostOnceEvenWithDuplicateDeliveries(
            @ForAll @LongRange(min = 1, max = 1_000_000_000L) long seed) {
        Dag dag = RandomDags.dag(seed, 2, 30);
        RunDriver d = new RunDriver(dag, new InMemoryStateStore(), Instant.parse("2024-01-01T00:00:00Z"),
                new Random(seed));
        d.start("r1");
        Random dup = new Random(seed);
        Function<Dispatch, Event> base = RandomDags.outcomes(dag, seed);
        d.runToEnd("r1", x -> {
            Event e = base.apply(x);
            if (dup.nextInt(3) == 0) {
                d.send(x.runId(), e);                       // delivered twice: the second copy must be a no-op
            }
            return e;
        });
        assertThat(d.maxDispatchesPerTry()).as("seed %d", seed).isLessThanOrEqualTo(1);
        assertThat(d.store().run("r1").orElseThrow().state().isTerminal()).isTrue();
    }

    /**
     * No task instance is dispatched before its trigger rule allows it. The rule is re-evaluated from the real
     * upstream states in the store (not from the join counters), which also proves the counters are right.
     */
    @Property(tries = 300)
    void noTaskStartsBeforeItsTriggerRuleAllows(@ForAll @LongRange(min = 1, max = 1_000_000_000L) long seed) {
        Dag dag = RandomDags.dag(seed, 2, 40);
        RunDriver d = new RunDriver(dag, new InMemoryStateStore(), Instant.parse("2024-01-01T00:00:00Z"),
                new Random(seed));
        List<String> violations = new ArrayList<>();
        d.start("r1");
        check(dag, d, d.history().get(0), violations);
        Function<Dispatch, Event> base = RandomDags.outcomes(dag, seed);
        int seen = d.history().size();
        for (int guard = 0; guard < 100_000; guard++) {
            if (d.pending().isEmpty()) {
                List<Timer> due = d.store().dueTimers(Instant.MAX, 1);
                if (due.isEmpty()) {
                    break;
                }
                Timer t = due.get(0);
                d.store().deleteTimer(t);
                d.send(t.runId(), new Event.TimerFired(t.task(), t.tryNumber(), t.kind()));
            } else {
                Dispatch x = d.pending().poll();
                d.send(x.runId(), base.apply(x));
            }
            for (; seen < d.history().size(); seen++) {
                check(dag, d, d.history().get(seen), violations);
            }
        }
        assertThat(violations).as("seed %d", seed).isEmpty();
    }

    private static void check(Dag dag, RunDriver d, Decision decision, List<String> violations) {
        for (Dispatch x : decision.dispatches()) {
            String taskId = x.task().taskId();
            TaskSpec spec = dag.task(taskId);
            if (spec.triggerRule() == TriggerRule.ALWAYS || spec.upstream().isEmpty()) {
                continue;
            }
            UpstreamCounts c = UpstreamCounts.ZERO;
            int total = 0;
            for (String u : spec.upstream()) {
                TaskInstance p = d.instance("r1", u);
                List<TaskInstance> outcomes = new ArrayList<>();
                if (p == null) {
                    total++; // never stored: still none
                    continue;
                }
                if (p.state() == TaskState.REMOVED) {
                    for (int i = 0; i < p.mapCount(); i++) {
                        outcomes.add(d.instance("r1", u, i));
                    }
                } else {
                    outcomes.add(p);
                }
                for (TaskInstance o : outcomes) {
                    total++;
                    if (o.state().isTerminal() && o.state() != TaskState.REMOVED) {
                        c = c.plus(o.state(), 1);
                    }
                }
            }
            if (TriggerRules.evaluate(spec.triggerRule(), c, total) != TriggerRules.Verdict.RUN) {
                violations.add(x.task() + " dispatched with upstream " + c + " of " + total + " under "
                        + spec.triggerRule());
            }
        }
    }
}
