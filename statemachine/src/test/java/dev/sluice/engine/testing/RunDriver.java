package dev.sluice.engine.testing;

import dev.sluice.engine.DagRun;
import dev.sluice.engine.Decision;
import dev.sluice.engine.Dispatch;
import dev.sluice.engine.Engine;
import dev.sluice.engine.Event;
import dev.sluice.engine.Notification;
import dev.sluice.engine.RunType;
import dev.sluice.engine.TaskInstance;
import dev.sluice.engine.TaskKey;
import dev.sluice.engine.Timer;
import dev.sluice.model.Dag;
import dev.sluice.store.InMemoryStateStore;
import dev.sluice.store.StateStore;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * Drives runs through the engine and a store with a fake clock: dispatches are answered by an outcome function,
 * timers fire by advancing the clock. Records every decision, so tests can assert on history.
 */
public final class RunDriver {
    private final Dag dag;
    private final Engine engine;
    private final StateStore store;
    private final Random random;
    private Instant now;
    private final ArrayDeque<Dispatch> pending = new ArrayDeque<>();
    private final List<Decision> history = new ArrayList<>();
    private final List<Dispatch> dispatched = new ArrayList<>();
    private final Map<String, Integer> dispatchCount = new HashMap<>();

    public RunDriver(Dag dag) {
        this(dag, new InMemoryStateStore(), Instant.parse("2024-01-01T00:00:00Z"), new Random(42));
    }

    public RunDriver(Dag dag, StateStore store, Instant start, Random random) {
        this.dag = dag;
        this.engine = new Engine(dag);
        this.store = store;
        this.now = start;
        this.random = random;
    }

    public Instant now() {
        return now;
    }

    public void advance(java.time.Duration d) {
        now = now.plus(d);
    }

    public StateStore store() {
        return store;
    }

    public Engine engine() {
        return engine;
    }

    public List<Decision> history() {
        return history;
    }

    public List<Dispatch> dispatched() {
        return dispatched;
    }

    public ArrayDeque<Dispatch> pending() {
        return pending;
    }

    public String start(String runId) {
        return start(runId, null);
    }

    public String start(String runId, String conf) {
        send(runId, new Event.RunRequested(runId, RunType.MANUAL, now, now, now, conf, "v1"));
        return runId;
    }

    /** Decides one event and applies it; returns the decision. */
    public Decision send(String runId, Event event) {
        Decision d = engine.decide(store.view(dag, runId), event, now, random);
        store.apply(d);
        history.add(d);
        for (Dispatch x : d.dispatches()) {
            String k = x.runId() + "/" + x.task() + "/" + x.tryNumber();
            dispatchCount.merge(k, 1, Integer::sum);
            dispatched.add(x);
            pending.add(x);
        }
        return d;
    }

    /** Runs until nothing is pending and no timer is left, answering dispatches with {@code outcome}. */
    public DagRun runToEnd(String runId, Function<Dispatch, Event> outcome) {
        for (int guard = 0; guard < 1_000_000; guard++) {
            if (!pending.isEmpty()) {
                Dispatch x = pending.poll();
                send(x.runId(), new Event.TaskStarted(x.task(), x.tryNumber()));
                send(x.runId(), outcome.apply(x));
                continue;
            }
            List<Timer> due = store.dueTimers(Instant.MAX, 1);
            if (due.isEmpty()) {
                break;
            }
            Timer t = due.get(0);
            if (t.fireAt().isAfter(now)) {
                now = t.fireAt();
            }
            store.deleteTimer(t);
            send(t.runId(), new Event.TimerFired(t.task(), t.tryNumber(), t.kind()));
        }
        return store.run(runId).orElseThrow();
    }

    public TaskInstance instance(String runId, String taskId) {
        return store.view(dag, runId).instance(TaskKey.of(taskId));
    }

    public TaskInstance instance(String runId, String taskId, int mapIndex) {
        return store.view(dag, runId).instance(new TaskKey(taskId, mapIndex));
    }

    public List<Notification> notifications() {
        List<Notification> out = new ArrayList<>();
        history.forEach(d -> out.addAll(d.notifications()));
        return out;
    }

    /** Largest number of times one (run, task, try) was dispatched. */
    public int maxDispatchesPerTry() {
        return dispatchCount.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    }

    public static Function<Dispatch, Event> allSucceed() {
        return x -> new Event.TaskSucceeded(x.task(), x.tryNumber(), null);
    }
}
