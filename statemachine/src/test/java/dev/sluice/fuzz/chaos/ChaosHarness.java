package dev.sluice.fuzz.chaos;

import dev.sluice.engine.DagRun;
import dev.sluice.engine.Decision;
import dev.sluice.engine.Dispatch;
import dev.sluice.engine.Engine;
import dev.sluice.engine.EngineOptions;
import dev.sluice.engine.Event;
import dev.sluice.engine.Notification;
import dev.sluice.engine.TaskInstance;
import dev.sluice.engine.TaskKey;
import dev.sluice.engine.Timer;
import dev.sluice.fuzz.chaos.ChaosWorkload.RunPlan;
import dev.sluice.fuzz.chaos.ChaosWorkload.TryPlan;
import dev.sluice.state.TaskState;
import dev.sluice.store.ConcurrentUpdateException;
import dev.sluice.store.StateStore;
import dev.sluice.store.StoreException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The chaos harness: many runs of random DAGs driven through one store by concurrent coordinator workers that share
 * one event queue, under injected faults, then compared with a fault-free single-threaded oracle.
 *
 * <p>The workers do what the coordinator does for each message: decide on a fresh view, write the decision
 * conditionally (deciding again after a lost race), and only then act (invoke the claimed tries, send short
 * timers, continue). Task invocations are executed by the same workers, as the task runtime does: a conditional
 * claim (TaskStarted), the work, then a report to the queue. A periodic tick fires stored timers, nudges runs that
 * wait for a slot, and sweeps tries that are queued or running past their lease (TaskTimedOut, retryable), as the
 * coordinator's tick does.
 *
 * <p>Time is simulated: the queue is drained in rounds, every message visible at {@code now} in one round processed
 * by the workers concurrently, and then the clock moves to the next visible message or tick. Fault decisions are
 * seeded from (seed, message, delivery); only the interleaving of the worker threads is not replayable, and
 * {@code workers = 1} makes a seed replay exactly.
 */
public final class ChaosHarness {
    /**
     * @param store    the store name printed with the figures
     * @param runs     how many runs (each its own random DAG)
     * @param workers  concurrent coordinator workers
     * @param firstRun the workload index of the first run: runs {@code firstRun} to {@code firstRun + runs - 1} of
     *                 the seed's workload, so a workload can be split into batches that each get their own store
     */
    public record Config(String store, long seed, int runs, int workers, int firstRun) {
        public Config(String store, long seed, int runs, int workers) {
            this(store, seed, runs, workers, 0);
        }
    }

    static final Duration QUEUED_LEASE = Duration.ofMinutes(15);
    static final Duration RUNNING_LEASE = Duration.ofMinutes(16);
    static final Duration GRACE = Duration.ofMinutes(1);
    static final Duration TICK = Duration.ofMinutes(1);
    static final Duration BUCKET = Duration.ofSeconds(5);
    static final Duration VISIBILITY_TIMEOUT = Duration.ofSeconds(30);
    static final Duration SIM_LIMIT = Duration.ofHours(48);
    /** The coordinator queue's maxReceiveCount in template.yaml. */
    static final int MAX_RECEIVES = 5;
    static final int MAX_CONFLICT_RETRIES = 20;
    static final int MAX_DISPATCHES_PER_DECISION = 25;
    static final double CRASH_AFTER_WRITE = 0.03;
    static final double CRASH_BEFORE_WRITE = 0.02;
    static final double CRASH_BETWEEN_WRITES = 0.05;
    static final double HOLD_BACK = 0.15;

    private sealed interface Item permits Msg, Invoke {
        Instant visibleAt();
    }

    private record Msg(long id, String body, int receives, Instant visibleAt) implements Item {
    }

    private record Invoke(String runId, Dispatch x, int attempt, Instant visibleAt) implements Item {
    }

    record Exec(Instant start, Instant end) {
    }

    /**
     * An ordered decision written as the DynamoDB store writes it: one conditional write per item, the completed
     * instance last, other workers free to read and write in between (whatever the store, so that the embedded
     * stores' chaos runs meet the same interleavings).
     */
    private void applyOrdered(Decision d) {
        TaskInstance last = null;
        for (TaskInstance t : d.instances()) {
            if (t.key().equals(d.commitLast())) {
                last = t;
            } else {
                store.apply(d.withOnly(List.of(t)));
                Thread.yield();
            }
        }
        if (last != null) {
            store.apply(d.withOnly(List.of(last)));
        }
    }

    /** The coordinator "died" between two steps: the message is not deleted and comes back. */
    private static final class Crash extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Crash(String m) {
            super(m, null, false, false);
        }
    }

    private final Config cfg;
    private final StateStore store;
    private final StateStore verify;
    private final Map<String, RunPlan> plans = new LinkedHashMap<>();
    private final Map<String, Engine> engines = new ConcurrentHashMap<>();
    private volatile Instant now = ChaosWorkload.START;
    private final List<Item> pending = new ArrayList<>();
    /** Message ids. A batch's ids start at a multiple of its first run's index: batches roll different faults. */
    private final AtomicLong ids;

    final Map<String, List<Exec>> execs = new ConcurrentHashMap<>();
    private final Map<String, Instant> crashedAt = new ConcurrentHashMap<>();
    private final Set<String> swept = ConcurrentHashMap.newKeySet();
    /**
     * Runs the tick saw ended; it does not read them again (nothing in the workload reopens a run, and the check
     * reads every run's final state from the store, so a run that came back would still be found).
     */
    private final Set<String> ended = ConcurrentHashMap.newKeySet();
    private final Map<String, Queue<String>> history = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> creations = new ConcurrentHashMap<>();
    private final Queue<String> dlqValid = new ConcurrentLinkedQueue<>();
    private final Queue<String> dlqPoison = new ConcurrentLinkedQueue<>();
    private final Queue<String> escaped = new ConcurrentLinkedQueue<>();
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    private volatile long maxDetectCrash;
    private volatile long maxDetectLost;

    /**
     * @param store  the store the workers use, with its injected faults
     * @param verify the same data without faults, read once the harness is done
     */
    public ChaosHarness(Config cfg, StateStore store, StateStore verify) {
        this.cfg = cfg;
        this.store = store;
        this.verify = verify;
        this.ids = new AtomicLong(cfg.firstRun() * 1_000_000_000L);
        for (int i = cfg.firstRun(); i < cfg.firstRun() + cfg.runs(); i++) {
            RunPlan p = ChaosWorkload.plan(cfg.seed(), i);
            plans.put(p.runId(), p);
            // Ordered writes on, as the AWS coordinator runs: a store that writes atomically just ignores them.
            engines.put(p.runId(), new Engine(p.dag(), EngineOptions.builder()
                    .maxDispatchesPerDecision(MAX_DISPATCHES_PER_DECISION).orderedWrites(true).build()));
            history.put(p.runId(), new ConcurrentLinkedQueue<>());
            creations.put(p.runId(), new AtomicInteger());
        }
    }

    public ChaosFigures run() throws InterruptedException {
        long wall = System.nanoTime();
        Random rnd = new Random(cfg.seed() + cfg.firstRun());
        for (RunPlan p : plans.values()) {
            send(ChaosCodec.runRequested(p.runId()), ChaosWorkload.START, true);
        }
        for (String poison : ChaosCodec.poison()) {
            int copies = 1 + rnd.nextInt(3);
            for (int i = 0; i < copies; i++) {
                count("poison sent");
                send(poison, ChaosWorkload.START.plus(Duration.ofSeconds(rnd.nextInt(3600))), false);
            }
        }
        Instant nextTick = ChaosWorkload.START.plus(TICK);
        boolean simTimeOut = false;
        ExecutorService pool = Executors.newFixedThreadPool(cfg.workers());
        try {
            while (true) {
                List<Item> batch = takeVisible();
                if (!batch.isEmpty()) {
                    Collections.shuffle(batch, rnd);
                    round(pool, batch);
                    continue;
                }
                Instant nextVisible;
                synchronized (pending) {
                    nextVisible = pending.stream().map(Item::visibleAt).min(Comparator.naturalOrder()).orElse(null);
                }
                if (nextVisible == null && allRunsEnded()) {
                    break;
                }
                now = nextVisible == null || nextTick.isBefore(nextVisible) ? nextTick : nextVisible;
                if (!now.isBefore(nextTick)) {
                    tick(pool);
                    nextTick = nextTick.plus(TICK);
                }
                if (now.isAfter(ChaosWorkload.START.plus(SIM_LIMIT))) {
                    simTimeOut = true;
                    break;
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return ChaosCheck.figures(cfg, plans, verify, execs, creations, history, dlqValid, dlqPoison, escaped,
                counts, Duration.ofMillis(maxDetectCrash), Duration.ofMillis(maxDetectLost),
                Duration.between(ChaosWorkload.START, now), simTimeOut, Duration.ofNanos(System.nanoTime() - wall));
    }

    // ------------------------------------------------------------------ the queue

    private void send(String body, Instant at, boolean deliveryFaults) {
        long id = ids.incrementAndGet();
        SplittableRandom r = new SplittableRandom(cfg.seed() ^ (body.hashCode() * 0x9E3779B97F4A7C15L) ^ id);
        int copies = deliveryFaults ? 1 + r.nextInt(3) : 1;
        if (copies > 1) {
            count("extra deliveries", copies - 1);
        }
        for (int i = 0; i < copies; i++) {
            Instant t = at;
            if (deliveryFaults && r.nextDouble() < HOLD_BACK) {
                t = t.plus(BUCKET.multipliedBy(1 + r.nextInt(6)));
                count("messages held back (reordered)");
            }
            add(new Msg(id, body, 0, t));
        }
    }

    private void add(Item it) {
        synchronized (pending) {
            pending.add(it);
        }
    }

    private List<Item> takeVisible() {
        List<Item> out = new ArrayList<>();
        synchronized (pending) {
            pending.removeIf(it -> {
                if (!it.visibleAt().isAfter(now)) {
                    out.add(it);
                    return true;
                }
                return false;
            });
        }
        return out;
    }

    /** Rounds a time up to the next bucket, so messages that become visible close together share a round. */
    private static Instant bucket(Instant t) {
        long s = Duration.between(ChaosWorkload.START, t).toMillis();
        long b = BUCKET.toMillis();
        return ChaosWorkload.START.plusMillis((s + b - 1) / b * b);
    }

    private void round(ExecutorService pool, List<Item> batch) throws InterruptedException {
        count("rounds");
        List<Callable<Void>> jobs = new ArrayList<>();
        for (Item it : batch) {
            jobs.add(() -> {
                try {
                    if (it instanceof Msg m) {
                        receive(m);
                    } else if (it instanceof Invoke inv) {
                        invoke(inv);
                    }
                } catch (Throwable t) {
                    escaped.add(t + " while handling " + it);
                }
                return null;
            });
        }
        pool.invokeAll(jobs);
    }

    // ------------------------------------------------------------------ the coordinator

    private void receive(Msg m) {
        count("deliveries");
        SplittableRandom r = new SplittableRandom(cfg.seed() * 31 + m.id() * 0x9E3779B97F4A7C15L + m.receives());
        ChaosCodec.Parsed p;
        try {
            p = ChaosCodec.parse(m.body());
        } catch (ChaosCodec.Poison e) {
            count("poison reported as failed");
            fail(m, true, e.getMessage());
            return;
        }
        RunPlan plan = plans.get(p.runId());
        if (plan == null) {
            count("messages for unknown runs dropped");
            return;
        }
        String tag = "msg " + m.id() + (m.receives() > 0 ? " (receive " + (m.receives() + 1) + ")" : "");
        try {
            decideApplyAct(plan, p.event(), r, tag, true);
            if (p.timer() != null) {
                store.deleteTimer(p.timer());
            }
        } catch (Crash c) {
            fail(m, false, c.getMessage());
        } catch (StoreException e) {
            count("batch items failed on store errors");
            note(plan.runId(), tag + " " + describe(p.event()) + " -> failed: " + e.getMessage());
            fail(m, false, e.getMessage());
        } catch (RuntimeException e) {
            escaped.add("unexpected " + e + " handling " + describe(p.event()) + " of " + plan.runId());
            fail(m, false, String.valueOf(e));
        }
    }

    private void fail(Msg m, boolean poison, String why) {
        if (m.receives() + 1 >= MAX_RECEIVES) {
            (poison ? dlqPoison : dlqValid).add(m.body() + "  <- " + why);
            return;
        }
        add(new Msg(m.id(), m.body(), m.receives() + 1, bucket(now.plus(VISIBILITY_TIMEOUT))));
    }

    private Decision decideApplyAct(RunPlan plan, Event event, SplittableRandom r, String tag, boolean coordinator) {
        Engine engine = engines.get(plan.runId());
        for (int attempt = 1; ; attempt++) {
            Decision d;
            try {
                d = engine.decide(store.view(plan.dag(), plan.runId()), event, now,
                        new SplittableRandom(r.nextLong()));
            } catch (ConcurrentUpdateException waiting) { // another decision's ordered writes are not all in yet
                count("decisions waiting for another's ordered writes");
                if (attempt >= MAX_CONFLICT_RETRIES) {
                    throw waiting;
                }
                continue;
            }
            if (d.isNoop()) {
                note(plan.runId(), tag + " " + describe(event) + " -> " + ignored(d));
                return d;
            }
            if (coordinator && r.nextDouble() < CRASH_BEFORE_WRITE) {
                count("coordinator crashes before the write");
                note(plan.runId(), tag + " " + describe(event) + " -> coordinator crashed before the write");
                throw new Crash("crashed before the write");
            }
            try {
                if (coordinator && d.commitLast() != null && r.nextDouble() < CRASH_BETWEEN_WRITES) {
                    // The writes before the last one land, then the process dies (a store that writes the decision
                    // atomically gets the same partial state this way).
                    store.apply(d.withOnly(d.instances().stream()
                            .filter(t -> !t.key().equals(d.commitLast())).toList()));
                    count("coordinator crashes between ordered writes");
                    note(plan.runId(), tag + " " + describe(event) + " -> coordinator crashed before writing "
                            + d.commitLast() + " (the other writes landed)");
                    throw new Crash("crashed between the ordered writes");
                }
                if (d.commitLast() != null) {
                    try {
                        applyOrdered(d);
                    } catch (ConcurrentUpdateException lost) {
                        note(plan.runId(), tag + " " + describe(event) + " -> lost a race in its ordered writes "
                                + summary(d) + ": " + lost.getMessage());
                        throw lost;
                    }
                } else {
                    store.apply(d);
                }
            } catch (ConcurrentUpdateException lost) {
                count("lost races (decided again)");
                if (attempt >= MAX_CONFLICT_RETRIES) {
                    throw lost;
                }
                continue;
            }
            if (d.run() != null && d.run().version() == 1) {
                creations.get(plan.runId()).incrementAndGet();
            }
            note(plan.runId(), tag + " " + describe(event) + " -> applied " + summary(d));
            if (coordinator && r.nextDouble() < CRASH_AFTER_WRITE) {
                count("coordinator crashes after the write");
                count("dispatches lost to those crashes", d.dispatches().size());
                note(plan.runId(), tag + " coordinator crashed after the write; lost " + d.dispatches().size()
                        + " dispatches, " + d.timers().size() + " timers");
                throw new Crash("crashed after the write");
            }
            if (coordinator) {
                act(plan, d, r);
            }
            return d;
        }
    }

    private void act(RunPlan plan, Decision d, SplittableRandom r) {
        Instant soon = bucket(now.plusSeconds(1));
        for (Dispatch x : d.dispatches()) {
            count("dispatches");
            add(new Invoke(plan.runId(), x, 1, soon));
            if (ChaosWorkload.tryPlan(plan, x.task(), x.tryNumber()).duplicateInvocation()) {
                count("duplicate invocations (async Lambda at-least-once)");
                add(new Invoke(plan.runId(), x, 1, bucket(now.plusSeconds(1 + r.nextInt(60)))));
            }
        }
        for (Timer t : d.timers()) {
            if (t.kind() != Timer.Kind.SLA && !t.fireAt().isAfter(now.plus(Duration.ofMinutes(15)))) {
                send(ChaosCodec.timer(t), bucket(t.fireAt().isAfter(soon) ? t.fireAt() : soon), true);
            }
        }
        for (Notification n : d.notifications()) {
            if (n instanceof Notification.MoreReady) {
                send(ChaosCodec.tick(plan.runId()), soon, true);
            }
        }
    }

    // ------------------------------------------------------------------ the task runtime

    private void invoke(Invoke inv) {
        count("invocations");
        RunPlan plan = plans.get(inv.runId());
        Dispatch x = inv.x();
        SplittableRandom r = new SplittableRandom(plan.seed() + x.task().hashCode() * 131L + x.tryNumber() * 7L
                + inv.attempt());
        String tag = "invoke " + x.task() + " try " + x.tryNumber();
        Decision claim;
        try {
            claim = decideApplyAct(plan, new Event.TaskStarted(x.task(), x.tryNumber()), r, tag, false);
        } catch (StoreException e) {
            // The runtime failed before its work began; Lambda retries an async invocation twice.
            note(plan.runId(), tag + " -> claim failed: " + e.getMessage());
            if (inv.attempt() < 3) {
                add(new Invoke(inv.runId(), x, inv.attempt() + 1, bucket(now.plus(Duration.ofMinutes(1)))));
            } else {
                count("invocations abandoned after Lambda's retries");
            }
            return;
        }
        if (claim.isNoop()) {
            count("claims refused (not this try's turn)");
            return;
        }
        TryPlan tp = ChaosWorkload.tryPlan(plan, x.task(), x.tryNumber());
        String key = tryKey(plan.runId(), x.task(), x.tryNumber());
        Instant end = now.plus(tp.duration());
        switch (tp.fault()) {
            case CRASH -> {
                count("tasks crashed without a report");
                end = now.plus(tp.duration().dividedBy(2));
                crashedAt.put(key, end);
            }
            case LAMBDA_TIMEOUT -> {
                count("task Lambda timeouts");
                send(ChaosCodec.invokeFailed(plan.runId(), x.task(), x.tryNumber(), "Function.TimedOut"), bucket(end),
                        true);
            }
            case NONE -> send(ChaosCodec.taskEvent(plan.runId(),
                    (Event.TaskEvent) ChaosWorkload.outcome(plan, x.task(), x.tryNumber())), bucket(end), true);
        }
        execs.computeIfAbsent(key, k -> Collections.synchronizedList(new ArrayList<>())).add(new Exec(now, end));
    }

    // ------------------------------------------------------------------ the tick

    /** The tick: due timers, then each run's sweep, the sweeps spread over the workers (in order with one). */
    private void tick(ExecutorService pool) throws InterruptedException {
        count("ticks");
        try {
            for (Timer t : store.dueTimers(now, 1000)) {
                send(ChaosCodec.timer(t), now, true);
            }
        } catch (StoreException e) {
            count("tick steps failed on store errors");
        }
        List<Callable<Void>> sweeps = new ArrayList<>();
        for (RunPlan p : plans.values()) {
            if (ended.contains(p.runId())) {
                continue;
            }
            sweeps.add(() -> {
                try {
                    sweep(p);
                } catch (StoreException e) {
                    count("tick steps failed on store errors");
                } catch (Throwable t) {
                    escaped.add(t + " while sweeping " + p.runId());
                }
                return null;
            });
        }
        pool.invokeAll(sweeps);
    }

    private void sweep(RunPlan p) {
        if (ended.contains(p.runId())) {
            return;
        }
        Optional<DagRun> run = store.run(p.runId());
        if (run.isPresent() && run.get().state().isTerminal()) {
            ended.add(p.runId());
        }
        if (run.isEmpty() || run.get().state().isTerminal()) {
            return;
        }
        boolean waiting = false;
        for (TaskInstance ti : store.instances(p.runId())) {
            waiting |= ti.state() == TaskState.SCHEDULED;
            Instant since = ti.state() == TaskState.QUEUED ? ti.queuedAt()
                    : ti.state() == TaskState.RUNNING ? ti.startedAt() : null;
            Duration lease = ti.state() == TaskState.QUEUED ? QUEUED_LEASE : RUNNING_LEASE.plus(GRACE);
            if (since == null || now.isBefore(since.plus(lease))) {
                continue;
            }
            String key = tryKey(p.runId(), ti.key(), ti.tryNumber());
            if (swept.add(key)) {
                count("lost tries found by the sweep");
                Instant crashed = crashedAt.get(key);
                synchronized (this) { // sweeps run concurrently
                    if (crashed != null) {
                        maxDetectCrash = Math.max(maxDetectCrash, Duration.between(crashed, now).toMillis());
                    } else {
                        maxDetectLost = Math.max(maxDetectLost, Duration.between(since, now).toMillis());
                    }
                }
            }
            send(ChaosCodec.taskEvent(p.runId(), new Event.TaskTimedOut(ti.key(), ti.tryNumber(),
                    "lost: no report within its lease")), now, true);
        }
        if (waiting || run.get().state() == dev.sluice.state.RunState.QUEUED) {
            send(ChaosCodec.tick(p.runId()), now, true);
        }
    }

    private boolean allRunsEnded() {
        for (RunPlan p : plans.values()) {
            Optional<DagRun> r = verify.run(p.runId());
            if (r.isEmpty() || !r.get().state().isTerminal()) {
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ bookkeeping

    static String tryKey(String runId, TaskKey k, int tryNumber) {
        return runId + "|" + k.taskId() + "|" + k.mapIndex() + "|" + tryNumber;
    }

    private void count(String what) {
        count(what, 1);
    }

    private void count(String what, int n) {
        counts.computeIfAbsent(what, k -> new AtomicInteger()).addAndGet(n);
    }

    private void note(String runId, String line) {
        history.get(runId).add(String.format("%8s  %s", clock(), line));
    }

    private String clock() {
        long s = Duration.between(ChaosWorkload.START, now).toSeconds();
        return String.format("+%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }

    private static String describe(Event e) {
        if (e instanceof Event.TaskEvent te) {
            return e.getClass().getSimpleName() + " " + te.task() + " try " + te.tryNumber();
        }
        return e.getClass().getSimpleName();
    }

    private static String ignored(Decision d) {
        for (Notification n : d.notifications()) {
            if (n instanceof Notification.Ignored i) {
                return "ignored: " + i.reason();
            }
        }
        return "no change";
    }

    private static String summary(Decision d) {
        StringBuilder b = new StringBuilder();
        for (TaskInstance t : d.instances()) {
            b.append(b.length() == 0 ? "" : ", ").append(t.key()).append('=').append(t.state().airflowName())
                    .append('#').append(t.tryNumber());
        }
        if (d.run() != null) {
            b.append(b.length() == 0 ? "" : ", ").append("run=").append(d.run().state().airflowName());
        }
        return "[" + b + "]" + (d.dispatches().isEmpty() ? "" : " dispatch " + d.dispatches().stream()
                .map(x -> x.task() + "#" + x.tryNumber()).toList());
    }
}
