package dev.sluice.fuzz.chaos;

import dev.sluice.engine.DagRun;
import dev.sluice.engine.TaskInstance;
import dev.sluice.engine.testing.RunDriver;
import dev.sluice.fuzz.chaos.ChaosHarness.Exec;
import dev.sluice.fuzz.chaos.ChaosWorkload.RunPlan;
import dev.sluice.store.InMemoryStateStore;
import dev.sluice.store.StateStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The oracle and the figures. The oracle runs each DAG through the engine alone (one thread, an in-memory store,
 * no faults) and answers each try as the workload says. The equivalence rule: a try's outcome is a pure function of
 * (seed, task, map index, try number), and a fault that the runtime turns into a failed try is the same failed try
 * in the oracle: a crashed task or a try that never did its work (its dispatch lost with a crashed coordinator) is
 * TaskTimedOut, a Lambda timeout is a retryable TaskFailed. Faults that must change nothing (duplicate and
 * reordered delivery, crashes before a write, lost write responses, throttling, lost races, duplicate invocations,
 * poison) do not appear in the oracle at all. Then every task instance must end in the same state after the same
 * number of tries.
 */
final class ChaosCheck {
    private ChaosCheck() {
    }

    static ChaosFigures figures(ChaosHarness.Config cfg, Map<String, RunPlan> plans, StateStore verify,
                                Map<String, List<Exec>> execs, Map<String, AtomicInteger> creations,
                                Map<String, Queue<String>> history, Queue<String> dlqValid, Queue<String> dlqPoison,
                                Queue<String> unexpected, Map<String, AtomicInteger> counts, Duration maxCrash,
                                Duration maxLost, Duration simulated, boolean simTimeOut, Duration wall) {
        int correct = 0;
        int twice = 0;
        int lost = 0;
        int duplicates = 0;
        int tasks = 0;
        List<String> divergences = new ArrayList<>();
        for (RunPlan p : plans.values()) {
            List<String> diffs = new ArrayList<>();
            Optional<DagRun> run = verify.run(p.runId());
            List<TaskInstance> got = verify.instances(p.runId());
            tasks += got.size();
            if (run.isEmpty() || !run.get().state().isTerminal()) {
                diffs.add("run did not end: " + run.map(r -> r.state().airflowName()).orElse("never created"));
            }
            int unfinished = 0;
            for (TaskInstance ti : got) {
                if (!ti.state().isTerminal()) {
                    unfinished++;
                } else if (ti.error() != null && ti.error().contains("lost: no report")) {
                    String key = ChaosHarness.tryKey(p.runId(), ti.key(), ti.tryNumber());
                    if (execs.containsKey(key) && ChaosWorkload.tryPlan(p, ti.key(), ti.tryNumber()).fault()
                            == ChaosWorkload.TaskFault.NONE) {
                        lost++;
                        diffs.add(ti.key() + " try " + ti.tryNumber() + " reported, but was swept as lost");
                    }
                }
            }
            lost += unfinished > 0 ? unfinished : run.isPresent() && run.get().state().isTerminal() ? 0 : 1;
            if (creations.get(p.runId()).get() > 1 || verify.runs(p.dag().dagId(), 10).size() > 1) {
                duplicates++;
                diffs.add("run created " + creations.get(p.runId()).get() + " times");
            }
            twice += concurrentTries(p, execs, diffs);
            compareWithOracle(p, got, execs, diffs);
            if (diffs.isEmpty()) {
                correct++;
            } else {
                divergences.add(divergence(cfg, p, diffs, history.get(p.runId())));
            }
        }
        lost += dlqValid.size(); // a valid report in the DLQ is a transition the system dropped until a redrive
        Map<String, Integer> c = new TreeMap<>();
        counts.forEach((k, v) -> c.put(k, v.get()));
        return new ChaosFigures(cfg.store(), cfg.seed(), cfg.workers(), plans.size(), correct, twice, lost,
                duplicates, maxCrash, maxLost, tasks, c.getOrDefault("poison sent", 0), dlqPoison.size(),
                dlqValid.size(), List.copyOf(unexpected), c, simulated, simTimeOut, wall, divergences);
    }

    /** A try that ran more than once, or two tries of one instance whose runs overlap in time. */
    private static int concurrentTries(RunPlan p, Map<String, List<Exec>> execs, List<String> diffs) {
        int n = 0;
        Map<String, List<Exec>> byInstance = new TreeMap<>();
        String prefix = p.runId() + "|";
        for (Map.Entry<String, List<Exec>> e : execs.entrySet()) {
            if (!e.getKey().startsWith(prefix)) {
                continue;
            }
            if (e.getValue().size() > 1) {
                n++;
                diffs.add("try " + e.getKey() + " ran " + e.getValue().size() + " times");
            }
            String instance = e.getKey().substring(0, e.getKey().lastIndexOf('|'));
            byInstance.computeIfAbsent(instance, k -> new ArrayList<>()).addAll(e.getValue());
        }
        for (Map.Entry<String, List<Exec>> e : byInstance.entrySet()) {
            List<Exec> runs = new ArrayList<>(e.getValue());
            runs.sort(Comparator.comparing(Exec::start));
            for (int i = 1; i < runs.size(); i++) {
                if (runs.get(i).start().isBefore(runs.get(i - 1).end())) {
                    n++;
                    diffs.add(e.getKey() + ": two tries ran at the same time " + runs.get(i - 1) + " " + runs.get(i));
                }
            }
        }
        return n;
    }

    private static void compareWithOracle(RunPlan p, List<TaskInstance> got, Map<String, List<Exec>> execs,
                                          List<String> diffs) {
        RunDriver oracle = new RunDriver(p.dag(), new InMemoryStateStore(), ChaosWorkload.START, new Random(p.seed()));
        oracle.start(p.runId());
        oracle.runToEnd(p.runId(), x -> ChaosWorkload.expected(p, x.task(), x.tryNumber(),
                execs.containsKey(ChaosHarness.tryKey(p.runId(), x.task(), x.tryNumber()))));
        Map<String, String> want = new TreeMap<>();
        for (TaskInstance ti : oracle.store().instances(p.runId())) {
            want.put(ti.key().toString(), ti.state().airflowName() + "#" + ti.tryNumber());
        }
        Map<String, String> have = new TreeMap<>();
        for (TaskInstance ti : got) {
            have.put(ti.key().toString(), ti.state().airflowName() + "#" + ti.tryNumber());
        }
        TreeSet<String> keys = new TreeSet<>(want.keySet());
        keys.addAll(have.keySet());
        for (String k : keys) {
            if (!java.util.Objects.equals(want.get(k), have.get(k))) {
                diffs.add(k + ": oracle " + want.get(k) + ", harness " + have.get(k));
            }
        }
    }

    private static String divergence(ChaosHarness.Config cfg, RunPlan p, List<String> diffs, Queue<String> history) {
        StringBuilder b = new StringBuilder();
        b.append("---- DIVERGENCE in ").append(p.runId()).append(" (").append(cfg.store()).append(" store, seed ")
                .append(cfg.seed()).append(", run index ").append(p.index()).append(", DAG seed ").append(p.seed())
                .append(")\n");
        b.append("     replay: -Dchaos.seed=").append(cfg.seed()).append(" -Dchaos.runs=").append(p.index() + 1)
                .append(" -Dchaos.workers=1\n");
        diffs.stream().limit(40).forEach(d -> b.append("     ").append(d).append('\n'));
        b.append("     event history:\n");
        List<String> h = new ArrayList<>(history);
        int from = Math.max(0, h.size() - 2000);
        if (from > 0) {
            b.append("     ... ").append(from).append(" earlier lines\n");
        }
        h.subList(from, h.size()).forEach(l -> b.append("     ").append(l).append('\n'));
        return b.toString();
    }
}
