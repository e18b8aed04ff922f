package dev.sluice.bench;

import dev.sluice.engine.Decision;
import dev.sluice.engine.Dispatch;
import dev.sluice.engine.Engine;
import dev.sluice.engine.Event;
import dev.sluice.engine.RunType;
import dev.sluice.engine.RunView;
import dev.sluice.engine.TaskInstance;
import dev.sluice.model.Dag;
import dev.sluice.model.DagBuilder;
import dev.sluice.state.RunState;
import dev.sluice.store.InMemoryStateStore;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Benchmark of the decision function: runs chain, wide fan-out and diamond-lattice DAGs of 10, 1,000 and 10,000
 * tasks to completion through {@link Engine#decide} and an in-memory store, and prints microseconds per task
 * transition (median of several runs). Not a test: run it with {@code bench/engine.sh}.
 */
public final class EngineBench {

    public static void main(String[] args) {
        int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        int[] sizes = {10, 1_000, 10_000};
        String[] shapes = {"chain", "fanout", "lattice"};
        // Warm up the JIT on mid-size runs so the figures describe steady state, as in a long-lived coordinator.
        // 3 rounds were too few: the JIT was still compiling while the first shape was measured, which made that
        // shape look up to 30% slower in a build whose engine has more (smaller) methods.
        for (int i = 0; i < 20; i++) {
            for (String s : shapes) {
                once(shape(s, 2_000));
            }
        }
        System.out.println("| shape | tasks | transitions | decisions | decide µs/transition (median) "
                + "| with in-memory store µs/transition | decide ms/run |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|");
        double[][] perTransition = new double[shapes.length][sizes.length];
        for (int si = 0; si < shapes.length; si++) {
            Dag[] dags = new Dag[sizes.length];
            long[][] decide = new long[sizes.length][];
            long[][] total = new long[sizes.length][];
            Result[] last = new Result[sizes.length];
            for (int zi = 0; zi < sizes.length; zi++) {
                dags[zi] = shape(shapes[si], sizes[zi]);
                int reps = sizes[zi] <= 10 ? repeats * 200 : repeats;
                decide[zi] = new long[reps];
                total[zi] = new long[reps];
            }
            // Interleave the sizes, so drift of a noisy machine hits all of them alike.
            for (int i = 0; i < decide[2].length; i++) {
                for (int zi = 0; zi < sizes.length; zi++) {
                    int per = decide[zi].length / decide[2].length;
                    for (int k = 0; k < per; k++) {
                        Result r = once(dags[zi]);
                        decide[zi][i * per + k] = r.decideNanos;
                        total[zi][i * per + k] = r.nanos;
                        last[zi] = r;
                    }
                }
            }
            for (int zi = 0; zi < sizes.length; zi++) {
                Arrays.sort(decide[zi]);
                Arrays.sort(total[zi]);
                int mid = decide[zi].length / 2;
                Result r = last[zi];
                perTransition[si][zi] = decide[zi][mid] / 1000.0 / r.transitions;
                System.out.printf(Locale.ROOT, "| %s | %d | %d | %d | %.2f | %.2f | %.2f |%n", shapes[si], sizes[zi],
                        r.transitions, r.decisions, perTransition[si][zi], total[zi][mid] / 1000.0 / r.transitions,
                        decide[zi][mid] / 1e6);
            }
        }
        System.out.println();
        for (int si = 0; si < shapes.length; si++) {
            double total1k = perTransition[si][1] * 1_000;
            double total10k = perTransition[si][2] * 10_000;
            System.out.printf(Locale.ROOT, "%s: time(10k)/time(1k) = %.1f (linear = 10)%n", shapes[si],
                    total10k / total1k);
        }
    }

    record Result(long nanos, long decideNanos, long transitions, long decisions) {
    }

    static Result once(Dag dag) {
        InMemoryStateStore store = new InMemoryStateStore();
        Engine engine = new Engine(dag);
        Random random = new Random(1);
        Instant now = Instant.parse("2024-01-01T00:00:00Z");
        RunView view = store.liveView(dag, "r1");
        ArrayDeque<Dispatch> pending = new ArrayDeque<>();
        long transitions = 0;
        long decisions = 0;
        long start = System.nanoTime();
        long decideNanos = 0;
        long t0 = System.nanoTime();
        Decision d = engine.decide(view, new Event.RunRequested("r1", RunType.MANUAL, now, now, now, null, "v"), now,
                random);
        decideNanos += System.nanoTime() - t0;
        transitions += count(view, d);
        store.apply(d);
        pending.addAll(d.dispatches());
        decisions++;
        while (!pending.isEmpty()) {
            Dispatch x = pending.poll();
            t0 = System.nanoTime();
            Decision started = engine.decide(view, new Event.TaskStarted(x.task(), x.tryNumber()), now, random);
            decideNanos += System.nanoTime() - t0;
            transitions += count(view, started);
            store.apply(started);
            t0 = System.nanoTime();
            Decision done = engine.decide(view, new Event.TaskSucceeded(x.task(), x.tryNumber(), null), now, random);
            decideNanos += System.nanoTime() - t0;
            transitions += count(view, done);
            store.apply(done);
            pending.addAll(done.dispatches());
            decisions += 2;
        }
        long nanos = System.nanoTime() - start;
        if (store.run("r1").orElseThrow().state() != RunState.SUCCESS) {
            throw new IllegalStateException("run did not succeed");
        }
        return new Result(nanos, decideNanos, transitions, decisions);
    }

    /** State changes in a decision: one per changed state, two for none -> scheduled -> queued in one step. */
    private static long count(RunView view, Decision d) {
        long n = 0;
        for (TaskInstance t : d.instances()) {
            TaskInstance old = view.instance(t.key());
            if (old == null) {
                n += t.state() == dev.sluice.state.TaskState.NONE ? 0 : 1;
            } else if (old.state() != t.state()) {
                n += old.state() == dev.sluice.state.TaskState.NONE
                        && t.state() == dev.sluice.state.TaskState.QUEUED ? 2 : 1;
            }
        }
        return n;
    }

    static Dag shape(String shape, int n) {
        DagBuilder b = DagBuilder.dag(shape + "_" + n).maxActiveTasks(Integer.MAX_VALUE / 2);
        switch (shape) {
            case "chain" -> {
                b.task("t0", t -> t.empty());
                for (int i = 1; i < n; i++) {
                    String up = "t" + (i - 1);
                    b.task("t" + i, t -> t.empty().upstream(up));
                }
            }
            case "fanout" -> {
                b.task("root", t -> t.empty());
                List<String> mids = new ArrayList<>();
                for (int i = 0; i < n - 2; i++) {
                    mids.add("m" + i);
                    b.task("m" + i, t -> t.empty().upstream("root"));
                }
                b.task("join", t -> t.empty().upstream(mids));
            }
            case "lattice" -> {
                int width = Math.max(2, (int) Math.sqrt(n));
                int made = 0;
                for (int layer = 0; made < n; layer++) {
                    for (int i = 0; i < width && made < n; i++, made++) {
                        List<String> ups = new ArrayList<>();
                        if (layer > 0) {
                            ups.add("l" + (layer - 1) + "_" + i);
                            ups.add("l" + (layer - 1) + "_" + ((i + 1) % width));
                        }
                        b.task("l" + layer + "_" + i, t -> t.empty().upstream(ups));
                    }
                }
            }
            default -> throw new IllegalArgumentException(shape);
        }
        return b.build();
    }
}
