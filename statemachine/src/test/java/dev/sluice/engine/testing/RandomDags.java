package dev.sluice.engine.testing;

import dev.sluice.engine.Dispatch;
import dev.sluice.engine.Event;
import dev.sluice.model.Dag;
import dev.sluice.model.DagBuilder;
import dev.sluice.model.RetryPolicy;
import dev.sluice.model.TriggerRule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * Random DAGs and seeded random outcomes, shared by the property tests, the benchmarks and the reliability harness.
 * Everything derives from one seed, so any failure can be replayed.
 */
public final class RandomDags {
    private RandomDags() {
    }

    public static Dag dag(long seed, int minTasks, int maxTasks) {
        return dag(seed, minTasks, maxTasks, t -> { });
    }

    /** A random DAG whose every task also gets {@code extra} (callbacks, an SLA). */
    public static Dag dag(long seed, int minTasks, int maxTasks,
                          java.util.function.Consumer<dev.sluice.model.TaskSpec.Builder> extra) {
        Random r = new Random(seed);
        int n = minTasks + r.nextInt(maxTasks - minTasks + 1);
        DagBuilder b = DagBuilder.dag("random_" + Long.toHexString(seed)).maxActiveTasks(1 + r.nextInt(8))
                .pool("p", 1 + r.nextInt(3));
        TriggerRule[] rules = TriggerRule.values();
        for (int i = 0; i < n; i++) {
            List<String> ups = new ArrayList<>();
            for (int j = Math.max(0, i - 6); j < i; j++) {
                if (r.nextInt(3) == 0) {
                    ups.add("t" + j);
                }
            }
            TriggerRule rule = r.nextInt(3) == 0 ? rules[r.nextInt(rules.length)] : TriggerRule.ALL_SUCCESS;
            int retries = r.nextInt(4) == 0 ? r.nextInt(3) : 0;
            boolean branch = r.nextInt(8) == 0;
            boolean mapped = !branch && r.nextInt(8) == 0;
            int items = r.nextInt(4);
            boolean pooled = r.nextInt(6) == 0;
            int priority = r.nextInt(3);
            b.task("t" + i, t -> {
                t.command("x").upstream(ups).triggerRule(rule).priorityWeight(priority)
                        .retry(new RetryPolicy.Airflow(retries, Duration.ofSeconds(30), true, Duration.ofMinutes(5)))
                        .branch(branch);
                if (mapped) {
                    List<Object> list = new ArrayList<>();
                    for (int k = 0; k < items; k++) {
                        list.add("item" + k);
                    }
                    t.expand(list);
                }
                if (pooled) {
                    t.pool("p");
                }
                extra.accept(t);
            });
        }
        return b.build();
    }

    /**
     * Outcome of a try, a pure function of (seed, task, map index, try): success (70%), retryable failure (20%),
     * skip (5%), non-retryable failure (5%). A branch task picks a random subset of its downstream tasks.
     */
    public static Function<Dispatch, Event> outcomes(Dag dag, long seed) {
        return x -> outcome(dag, seed, x);
    }

    public static Event outcome(Dag dag, long seed, Dispatch x) {
        Random r = new Random(seed * 31 + x.task().hashCode() * 17L + x.tryNumber());
        int roll = r.nextInt(100);
        if (roll < 70) {
            if (dag.task(x.task().taskId()).branch()) {
                List<String> chosen = new ArrayList<>();
                for (String d : dag.downstream(x.task().taskId())) {
                    if (r.nextBoolean()) {
                        chosen.add(d);
                    }
                }
                return new Event.BranchChosen(x.task(), x.tryNumber(), chosen);
            }
            return new Event.TaskSucceeded(x.task(), x.tryNumber(), "\"" + x.task() + "#" + x.tryNumber() + "\"");
        } else if (roll < 90) {
            return new Event.TaskFailed(x.task(), x.tryNumber(), "random failure", true);
        } else if (roll < 95) {
            return new Event.TaskSkipped(x.task(), x.tryNumber(), "random skip");
        }
        return new Event.TaskFailed(x.task(), x.tryNumber(), "random fatal", false);
    }
}
