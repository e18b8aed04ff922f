package dev.sluice.cli.local;

import dev.sluice.infra.alert.Webhook;
import dev.sluice.cli.exec.Attempt;
import dev.sluice.cli.exec.Outcome;
import dev.sluice.cli.exec.TaskExecutor;
import dev.sluice.cli.store.DatabaseBusyException;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.Decision;
import dev.sluice.engine.Dispatch;
import dev.sluice.engine.Engine;
import dev.sluice.engine.Event;
import dev.sluice.engine.Notification;
import dev.sluice.engine.TaskInstance;
import dev.sluice.engine.TaskKey;
import dev.sluice.engine.Timer;
import dev.sluice.kernel.AppliedDecision;
import dev.sluice.kernel.DecisionLoop;
import dev.sluice.kernel.RetryOptions;
import dev.sluice.model.Dag;
import dev.sluice.state.TaskState;
import dev.sluice.store.StateStore;
import dev.sluice.template.TemplateRenderer;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Executes one run on this machine: the engine decides, the store records each decision in one transaction, and a
 * bounded worker pool runs the tasks. The calling thread is the only writer; workers report back through a queue.
 *
 * <p>A run survives the process: every finished try is committed before the next decision, so after a crash or
 * Ctrl-C, {@link #execute} on the same run id continues from the stored state. Tries that were cut off are run
 * again under the same try number (they are rescheduled, which does not use up a retry).
 */
public final class LocalRunner {
    /** How long the loop sleeps at most when idle, so pool slots freed by other processes are noticed. */
    private static final long IDLE_TICK_MILLIS = 500;
    /** The pause between two attempts at a write that found the database busy (each already waited the timeout). */
    private static final long BUSY_PAUSE_MILLIS = 200;

    /**
     * @param alertsFile      where every alert is appended as a JSON line ({@code .sluice/alerts.jsonl})
     * @param callbackTimeout how long one callback, alert command or webhook may take
     */
    public record Options(int parallelism, boolean noDelay, Path logsDir, Path alertsFile, Duration callbackTimeout) {
        /** How long a callback may run by default. */
        public static final Duration DEFAULT_CALLBACK_TIMEOUT = Duration.ofSeconds(30);

        public Options {
            if (parallelism < 1) {
                throw new IllegalArgumentException("--parallelism must be at least 1, got " + parallelism);
            }
        }

        /** Alerts go to {@code alerts.jsonl} beside the logs folder; callbacks get the default timeout. */
        public Options(int parallelism, boolean noDelay, Path logsDir) {
            this(parallelism, noDelay, logsDir, logsDir.toAbsolutePath().resolveSibling("alerts.jsonl"),
                    DEFAULT_CALLBACK_TIMEOUT);
        }
    }

    /** Told about every task state change and about the run's end, on the runner's thread. */
    public interface Listener {
        void taskChanged(TaskInstance before, TaskInstance after, Instant at);

        default void runChanged(DagRun run) {
        }

        /** Something the user should know that is no task's state change (a busy database, a try ended). */
        default void notice(String message) {
        }

        /** Something the user should know that changes no outcome (a pool size conflict). */
        default void warned(String message) {
        }

        /** An alert was sent, an SLA was missed, or a callback failed (from the callbacks' thread). */
        default void alerted(String message) {
            notice(message);
        }
    }

    /** How {@link #execute} ended. */
    public enum Ending { FINISHED, INTERRUPTED }

    private final StateStore store;
    private final Dag dag;
    private final Engine engine;
    private final TaskExecutor executor;
    private final Options options;
    private final Listener listener;
    private final Clock clock;
    private final DecisionLoop decisions;
    private final AttemptFactory attempts;
    private final LinkedBlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final List<Timer> timers = new ArrayList<>();
    private final Map<TaskKey, Integer> inFlight = new HashMap<>();
    private volatile Thread loopThread;
    private final EffectRunner effects;
    /** Runs effects after their decision is committed; null outside {@link #execute}. */
    private volatile ExecutorService effectThread;

    public LocalRunner(StateStore store, Dag dag, TaskExecutor executor, Options options, Listener listener) {
        this(store, dag, executor, options, listener, Clock.systemUTC(), new SecureRandom());
    }

    public LocalRunner(StateStore store, Dag dag, TaskExecutor executor, Options options, Listener listener,
                       Clock clock, RandomGenerator random) {
        this.store = store;
        this.dag = dag;
        this.engine = new Engine(dag);
        this.executor = executor;
        this.options = options;
        this.listener = listener;
        this.clock = clock;
        // Another process may change a shared pool or the run: decide again on fresh state.
        this.decisions = DecisionLoop.builder(store).retry(RetryOptions.defaults()).clock(clock::instant)
                .random(random).sleeper(d -> Thread.sleep(d.toMillis())).build();
        this.attempts = new AttemptFactory(dag, store, options.logsDir(), new TemplateRenderer());
        this.effects = new EffectRunner(store, dag, executor, options.logsDir(), options.alertsFile(),
                options.callbackTimeout(), new Webhook(Duration.ofSeconds(Math.min(10,
                Math.max(1, options.callbackTimeout().toSeconds()))), Duration.ofMillis(500)),
                message -> listener.alerted(message), clock);
    }

    /** A try that a worker could not finish because the runner is stopping. */
    private record Interrupted(TaskKey task, int tryNumber) {
    }

    /** Asks a running {@link #execute} to stop: running tries are killed and rescheduled, nothing is lost. */
    public void stop() {
        stopping.set(true);
        Thread t = loopThread;
        if (t != null) {
            t.interrupt();
        }
    }

    /** Applies one event outside of {@link #execute} (creating a run, clearing tasks). */
    public Decision send(String runId, Event event) {
        Decision d = decideAndApply(runId, event);
        // Dispatches made here are picked up by execute(), which re-dispatches queued instances it finds.
        return d;
    }

    /**
     * Runs until the run reaches a terminal state, or until {@link #stop()}. Queued or running instances found at
     * the start belong to a process that is gone; they are rescheduled and run again.
     */
    public Ending execute(String runId) {
        return execute(runId, null);
    }

    /**
     * As {@link #execute(String)}, first applying {@code first} (typically the {@link Event.RunRequested} that
     * creates the run), so its dispatches go straight to the workers.
     */
    public Ending execute(String runId, Event first) {
        loopThread = Thread.currentThread();
        ExecutorService workers = Executors.newFixedThreadPool(options.parallelism(), daemonThreads(runId));
        effectThread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "sluice-effects");
            t.setDaemon(true);
            return t;
        });
        try {
            recoverEffects(runId);
            recover(runId, workers);
            if (first != null) {
                apply(runId, first, workers);
            }
            while (true) {
                DagRun run = whileBusy(() -> store.run(runId)).orElseThrow();
                if (run.state().isTerminal()) {
                    break;
                }
                if (stopping.get()) {
                    return shutdown(runId, workers);
                }
                Object msg;
                try {
                    msg = inbox.poll(waitMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    return shutdown(runId, workers);
                }
                if (msg == null) {
                    fireDueTimers(runId, workers);
                    if (inFlight.isEmpty() && !hasDueTimers()) {
                        apply(runId, new Event.Tick(), workers);
                    }
                    continue;
                }
                handle(runId, msg, workers);
                fireDueTimers(runId, workers);
            }
            cleanupTimers();
            return Ending.FINISHED;
        } finally {
            workers.shutdownNow();
            finishEffects();
            loopThread = null;
        }
    }

    /**
     * Effects a previous process recorded and did not run are run now; one it had claimed and not finished is
     * marked failed (it may have run in part: running it again could do it twice).
     */
    private void recoverEffects(String runId) {
        for (dev.sluice.engine.Effect e : whileBusy(() -> store.effects(runId))) {
            if (e.state() == dev.sluice.engine.Effect.State.PENDING) {
                effectThread.execute(() -> effects.run(e));
            } else if (e.state() == dev.sluice.engine.Effect.State.RUNNING) {
                whileBusy(() -> {
                    store.finishEffect(e, dev.sluice.engine.Effect.State.FAILED,
                            "the process running it stopped before it finished; not run again");
                    return null;
                });
            }
        }
    }

    /** Lets the effects queued so far finish (each is bounded by its timeout), then stops their thread. */
    private void finishEffects() {
        ExecutorService t = effectThread;
        effectThread = null;
        if (t == null) {
            return;
        }
        t.shutdown();
        try {
            if (!t.awaitTermination(10, TimeUnit.MINUTES)) {
                t.shutdownNow();
            }
        } catch (InterruptedException e) {
            t.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private void handle(String runId, Object msg, ExecutorService workers) {
        if (msg instanceof Interrupted i) {
            inFlight.remove(i.task());
            apply(runId, new Event.TaskRescheduled(i.task(), i.tryNumber(), clock.instant(), "interrupted"), workers);
        } else {
            Event e = (Event) msg;
            if (!(e instanceof Event.TaskStarted) && e instanceof Event.TaskEvent te) {
                inFlight.remove(te.task());
            }
            apply(runId, e, workers);
        }
    }

    /** Re-dispatches work a previous process left behind and loads this run's timers. */
    private void recover(String runId, ExecutorService workers) {
        for (Timer t : whileBusy(() -> store.dueTimers(Instant.MAX, Integer.MAX_VALUE))) {
            if (t.runId().equals(runId)) {
                timers.add(t);
            }
        }
        if (whileBusy(() -> store.run(runId)).isEmpty()) {
            return;
        }
        // A command try runs in its own session, so it may have outlived the process that ran it: end it first,
        // so that no try ever runs twice at once.
        Map<Path, String> ended = new HashMap<>(executor.endLeftovers(
                AttemptFactory.runLogs(options.logsDir(), dag.dagId(), runId)));
        for (TaskInstance ti : whileBusy(() -> store.instances(runId))) {
            if (ti.state().isActive()) {
                String what = ended.remove(AttemptFactory.logFile(options.logsDir(), dag.dagId(), runId,
                        ti.taskId(), ti.mapIndex(), ti.tryNumber()));
                apply(runId, new Event.TaskRescheduled(ti.key(), ti.tryNumber(), clock.instant(),
                        "the process running it stopped; " + (what == null ? "running it again" : what)), workers);
            }
        }
        for (Map.Entry<Path, String> e : ended.entrySet()) {
            listener.notice(options.logsDir().relativize(e.getKey()) + ": " + e.getValue());
        }
        apply(runId, new Event.Tick(), workers);
        fireDueTimers(runId, workers);
    }

    private Ending shutdown(String runId, ExecutorService workers) {
        workers.shutdownNow();
        try {
            workers.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Apply what the workers finished (a success just before Ctrl-C is kept); cut-off tries are rescheduled.
        List<Object> left = new ArrayList<>();
        inbox.drainTo(left);
        boolean wasInterrupted = Thread.interrupted();
        for (Object msg : left) {
            handle(runId, msg, null);
        }
        for (Map.Entry<TaskKey, Integer> e : new ArrayList<>(inFlight.entrySet())) {
            handle(runId, new Interrupted(e.getKey(), e.getValue()), null);
        }
        if (wasInterrupted) {
            Thread.currentThread().interrupt();
        }
        return Ending.INTERRUPTED;
    }

    private long waitMillis() {
        long wait = IDLE_TICK_MILLIS;
        Instant now = clock.instant();
        for (Timer t : timers) {
            long ms = options.noDelay() && !isMissTimer(t) ? 0
                    : t.fireAt().toEpochMilli() - now.toEpochMilli();
            wait = Math.min(wait, Math.max(0, ms));
        }
        return Math.max(wait, 1);
    }

    private boolean hasDueTimers() {
        Instant now = clock.instant();
        for (Timer t : timers) {
            if (isDue(t, now)) {
                return true;
            }
        }
        return false;
    }

    private boolean isDue(Timer t, Instant now) {
        return !t.fireAt().isAfter(now) || (options.noDelay() && !isMissTimer(t));
    }

    /** SLA and deadline timers measure real time: --no-delay does not bring them forward. */
    private static boolean isMissTimer(Timer t) {
        return t.kind() == Timer.Kind.SLA || t.kind() == Timer.Kind.DEADLINE;
    }

    private void fireDueTimers(String runId, ExecutorService workers) {
        Instant now = clock.instant();
        List<Timer> due = new ArrayList<>();
        for (Timer t : timers) {
            if (isDue(t, now)) {
                due.add(t);
            }
        }
        for (Timer t : due) {
            timers.remove(t);
            apply(runId, new Event.TimerFired(t.task(), t.tryNumber(), t.kind()), workers);
            whileBusy(() -> {
                store.deleteTimer(t);
                return null;
            });
        }
    }

    private void cleanupTimers() {
        for (Timer t : timers) {
            whileBusy(() -> {
                store.deleteTimer(t);
                return null;
            });
        }
        timers.clear();
    }

    private void apply(String runId, Event event, ExecutorService workers) {
        Decision d = decideAndApply(runId, event);
        timers.addAll(d.timers());
        if (d.run() != null) {
            listener.runChanged(d.run());
        }
        for (Dispatch x : d.dispatches()) {
            if (workers == null) {
                // Stopping: leave it queued; the next execute() re-dispatches it.
                continue;
            }
            submit(runId, x, workers);
        }
        for (Notification n : d.notifications()) {
            if (n instanceof Notification.PoolSlotsFreed) {
                continue; // other local runs poll every IDLE_TICK_MILLIS
            }
            if (n instanceof Notification.PoolSizeConflict c) {
                listener.warned(c.message());
            }
        }
    }

    private Decision decideAndApply(String runId, Event event) {
        AppliedDecision applied = whileBusy(() -> decisions.run(engine, runId, event));
        for (TaskInstance after : applied.decision().instances()) {
            TaskInstance before = applied.before(after.key());
            if (before == null || before.state() != after.state()) {
                listener.taskChanged(before, after, applied.now());
            }
        }
        ExecutorService t = effectThread;
        for (dev.sluice.engine.Effect e : applied.decision().effects()) {
            // Committed with the decision: run it now, or (outside execute) on the next execute's recovery.
            if (t != null) {
                t.execute(() -> effects.run(e));
            }
        }
        return applied.decision();
    }

    /**
     * Runs {@code work} (store I/O on the runner's thread), and while another process holds the database's lock
     * for longer than the busy timeout, says so and tries again, for as long as it takes: a completion that could
     * not be written at once is written later, never dropped (which would run its finished try again on resume).
     * Nothing was written by an attempt that failed busy, so trying again is safe. Only {@link #stop()} (Ctrl-C)
     * ends the wait.
     */
    private <T> T whileBusy(Supplier<T> work) {
        Instant since = null;
        while (true) {
            try {
                T result = work.get();
                if (since != null) {
                    listener.notice("database free again; continuing");
                }
                return result;
            } catch (DatabaseBusyException e) {
                if (stopping.get()) {
                    throw e;
                }
                if (since == null) {
                    since = clock.instant();
                }
                long waited = Duration.between(since, clock.instant()).toSeconds();
                listener.notice("database busy (locked by another process); waiting"
                        + (waited > 0 ? " (" + waited + " s so far)" : ""));
                try {
                    Thread.sleep(BUSY_PAUSE_MILLIS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private void submit(String runId, Dispatch x, ExecutorService workers) {
        if (dag.task(x.task().taskId()).kind() instanceof dev.sluice.model.TaskKind.Empty) {
            // No work, no worker, no "started": the engine accepts a completion of a queued try.
            inbox.add(new Event.TaskSucceeded(x.task(), x.tryNumber(), null));
            inFlight.put(x.task(), x.tryNumber());
            return;
        }
        DagRun run = whileBusy(() -> store.run(runId)).orElseThrow();
        inFlight.put(x.task(), x.tryNumber());
        workers.execute(() -> {
            inbox.add(new Event.TaskStarted(x.task(), x.tryNumber()));
            Event result;
            try {
                Attempt a = attempts.build(run, x);
                Outcome o = executor.execute(a);
                if (stopping.get() && (o instanceof Outcome.Failed || o instanceof Outcome.TimedOut)) {
                    inbox.add(new Interrupted(x.task(), x.tryNumber()));
                    return;
                }
                result = toEvent(x, o);
            } catch (RuntimeException e) {
                String why = e.getMessage() == null ? e.toString() : e.getMessage();
                dev.sluice.cli.exec.LocalTaskExecutor.logNotStarted(AttemptFactory.logFile(options.logsDir(),
                        dag.dagId(), runId, x.task().taskId(), x.task().mapIndex(), x.tryNumber()), dag.dagId(),
                        runId, x.task().taskId(), x.task().mapIndex(), x.tryNumber(), x.maxTries(), why);
                result = new Event.TaskFailed(x.task(), x.tryNumber(), why, false);
            }
            inbox.add(result);
        });
    }

    static Event toEvent(Dispatch x, Outcome o) {
        if (o instanceof Outcome.Succeeded s) {
            return new Event.TaskSucceeded(x.task(), x.tryNumber(), s.outputJson());
        } else if (o instanceof Outcome.Failed f) {
            return new Event.TaskFailed(x.task(), x.tryNumber(), f.error(), f.retryable());
        } else if (o instanceof Outcome.Skipped s) {
            return new Event.TaskSkipped(x.task(), x.tryNumber(), s.reason());
        } else if (o instanceof Outcome.TimedOut t) {
            return new Event.TaskTimedOut(x.task(), x.tryNumber(), "execution_timeout " + t.after() + " reached");
        }
        throw new IllegalStateException("unknown outcome " + o);
    }

    private static java.util.concurrent.ThreadFactory daemonThreads(String runId) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "sluice-worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Why a task state changed, for progress lines; null when nothing to add. */
    static String reason(TaskInstance after) {
        return after.state() == TaskState.FAILED || after.state() == TaskState.UP_FOR_RETRY
                || after.state() == TaskState.SKIPPED || after.state() == TaskState.UP_FOR_RESCHEDULE
                || after.state() == TaskState.SCHEDULED // what a depends_on_past task waits for
                ? after.error() : null;
    }
}
