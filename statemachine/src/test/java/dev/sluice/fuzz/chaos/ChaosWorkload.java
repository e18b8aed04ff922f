package dev.sluice.fuzz.chaos;

import dev.sluice.engine.Dispatch;
import dev.sluice.engine.Event;
import dev.sluice.engine.TaskKey;
import dev.sluice.engine.testing.RandomDags;
import dev.sluice.model.Dag;
import dev.sluice.model.DagBuilder;
import dev.sluice.model.RetryPolicy;
import dev.sluice.model.TriggerRule;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The chaos harness's workload: random DAGs (10 to 50 tasks, retries, branches, mapped tasks, a shared pool) and
 * what each try does. Everything is a pure function of (seed, run, task, map index, try), so the oracle can replay
 * it and a failing seed can be run again.
 *
 * <p>The DAGs avoid the two shapes whose final states depend on the order in which upstream tasks finish (that is
 * Airflow's semantics, not a fault): an {@code all_success} join whose upstreams may end both failed and skipped
 * (it becomes upstream_failed or skipped, whichever is seen first), and a task directly downstream of a branch that
 * also has other upstreams (the branch skips it only if it has not started). So {@code all_success} has at most one
 * unmapped upstream, and a branch's direct downstream tasks have the branch as their only upstream.
 */
public final class ChaosWorkload {
    public static final Instant START = Instant.parse("2024-01-01T00:00:00Z");
    /** A task Lambda runs at most this long; then it is killed and its OnFailure record reaches the queue. */
    public static final Duration LAMBDA_LIMIT = Duration.ofMinutes(15);
    public static final String POOL = "shared";

    /** What a try does besides its seeded outcome. */
    public enum TaskFault {
        NONE,
        /** The task's process dies after it claimed the try: it reports nothing. Only the sweep can end the try. */
        CRASH,
        /** The task runs into the Lambda limit; the async invocation's OnFailure record reports it. */
        LAMBDA_TIMEOUT
    }

    /** One run of the workload. */
    public record RunPlan(int index, String runId, long seed, Dag dag) {
    }

    /** What happens to one try when it runs (after its claim succeeded). */
    public record TryPlan(TaskFault fault, Duration duration, boolean duplicateInvocation) {
    }

    private static final TriggerRule[] ORDER_FREE = {TriggerRule.ALL_DONE, TriggerRule.ONE_SUCCESS,
        TriggerRule.ONE_FAILED, TriggerRule.ONE_DONE, TriggerRule.NONE_FAILED, TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS,
        TriggerRule.NONE_SKIPPED, TriggerRule.ALL_SKIPPED, TriggerRule.ALL_FAILED, TriggerRule.ALWAYS};

    private ChaosWorkload() {
    }

    public static RunPlan plan(long seed, int index) {
        long s = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index).nextLong();
        return new RunPlan(index, "chaos_" + index, s, dag(s));
    }

    public static Dag dag(long seed) {
        Random r = new Random(seed);
        int n = 10 + r.nextInt(41);
        DagBuilder b = DagBuilder.dag("chaos_" + Long.toHexString(seed)).maxActiveTasks(2 + r.nextInt(8))
                .pool(POOL, 4);
        Set<String> branches = new HashSet<>();
        Set<String> mapped = new HashSet<>();
        for (int i = 0; i < n; i++) {
            List<String> ups = new ArrayList<>();
            for (int j = Math.max(0, i - 6); j < i; j++) {
                if (r.nextInt(3) == 0) {
                    ups.add("t" + j);
                }
            }
            String branchUp = ups.stream().filter(branches::contains).findFirst().orElse(null);
            if (branchUp != null) {
                ups = List.of(branchUp);
            }
            TriggerRule rule;
            boolean singleUnmapped = ups.size() == 1 && !mapped.contains(ups.get(0));
            if (ups.isEmpty() || (singleUnmapped && r.nextInt(3) > 0)) {
                rule = TriggerRule.ALL_SUCCESS;
            } else {
                rule = ORDER_FREE[r.nextInt(ORDER_FREE.length - (branchUp != null ? 1 : 0))];
            }
            int retries = r.nextInt(3) == 0 ? 1 + r.nextInt(3) : 0;
            boolean branch = r.nextInt(8) == 0;
            boolean isMapped = !branch && r.nextInt(7) == 0;
            int items = r.nextInt(4);
            boolean pooled = r.nextInt(6) == 0;
            int priority = r.nextInt(3);
            String id = "t" + i;
            List<String> upstream = ups;
            b.task(id, t -> {
                t.command("x").upstream(upstream).triggerRule(rule).priorityWeight(priority)
                        .retry(new RetryPolicy.Airflow(retries, Duration.ofSeconds(30), true, Duration.ofMinutes(5)))
                        .branch(branch);
                if (isMapped) {
                    List<Object> list = new ArrayList<>();
                    for (int k = 0; k < items; k++) {
                        list.add("item" + k);
                    }
                    t.expand(list);
                }
                if (pooled) {
                    t.pool(POOL);
                }
            });
            if (branch) {
                branches.add(id);
            }
            if (isMapped) {
                mapped.add(id);
            }
        }
        return b.build();
    }

    /** The seeded outcome of a try that ran to its end (RandomDags' outcome: success, failure, skip, branch). */
    public static Event outcome(RunPlan p, TaskKey task, int tryNumber) {
        Dispatch x = new Dispatch(p.dag().dagId(), p.runId(), task, tryNumber, 0, null, null, null, null);
        return RandomDags.outcome(p.dag(), p.seed(), x);
    }

    public static TryPlan tryPlan(RunPlan p, TaskKey task, int tryNumber) {
        SplittableRandom r = new SplittableRandom(p.seed() * 1_000_003L + task.hashCode() * 7_919L + tryNumber);
        int roll = r.nextInt(100);
        TaskFault fault = roll < 4 ? TaskFault.CRASH : roll < 7 ? TaskFault.LAMBDA_TIMEOUT : TaskFault.NONE;
        Duration d = fault == TaskFault.LAMBDA_TIMEOUT ? LAMBDA_LIMIT : Duration.ofSeconds(1 + r.nextInt(180));
        return new TryPlan(fault, d, r.nextInt(100) < 5);
    }

    /**
     * What the oracle feeds the engine for try {@code n}: the seeded outcome, or what the runtime turns a fault into.
     * A try that never ran user code (its dispatch was lost to a coordinator crash, or its claim was never followed
     * by the work) and a crashed try end as TaskTimedOut, which is what the sweep reports; a Lambda timeout ends as
     * a retryable TaskFailed, which is what the OnFailure record reports.
     */
    public static Event expected(RunPlan p, TaskKey task, int tryNumber, boolean ran) {
        if (!ran) {
            return new Event.TaskTimedOut(task, tryNumber, "lost");
        }
        return switch (tryPlan(p, task, tryNumber).fault()) {
            case CRASH -> new Event.TaskTimedOut(task, tryNumber, "crashed");
            case LAMBDA_TIMEOUT -> new Event.TaskFailed(task, tryNumber, "Lambda timeout", true);
            case NONE -> outcome(p, task, tryNumber);
        };
    }
}
