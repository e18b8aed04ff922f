package dev.sluice.store;

import dev.sluice.engine.DagRun;
import dev.sluice.engine.Decision;
import dev.sluice.engine.Pool;
import dev.sluice.engine.RunView;
import dev.sluice.engine.TaskInstance;
import dev.sluice.engine.Timer;
import dev.sluice.model.Dag;
import dev.sluice.state.RunState;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The engine's storage port. The engine owns this interface; the embedded SQLite store (cli) and the DynamoDB
 * store (infra) implement it, and both pass {@code StateStoreContract} from the statemachine test jar.
 *
 * <p>Rules every implementation keeps:
 * <ul>
 *   <li>{@link #apply} writes a decision atomically (all of its writes land, or none do), except where the decision
 *       allows otherwise with {@link Decision#commitLast()}: then a store may write it as ordered single writes, or
 *       in several atomic chunks, the {@code commitLast} instance (with the run and the claims) last. A failure in
 *       between leaves earlier writes in place, marked so that deciding the same event again completes it.</li>
 *   <li>Each write is conditional on the version the engine read ({@code version - 1}; a new record must not
 *       exist). A failed condition throws {@link ConcurrentUpdateException}; in an atomic write it changes nothing.</li>
 *   <li>A pool delta that gives slots back always lands and never takes a pool below zero. A delta that takes slots
 *       lands only within the {@link dev.sluice.engine.PoolBound} of the decision's context, which also says
 *       whether the write records the pool's size (the size rule is on {@link Pool}).</li>
 *   <li>A decision that starts a run with a max_active_runs bound in its context fails with
 *       {@link ConcurrentUpdateException} when the DAG already has that many runs running.</li>
 *   <li>Circuit breakers in a decision are written like instances: conditional on {@code version - 1}.</li>
 *   <li>Effects in a decision are written with it (in the same atomic write, or with the {@code commitLast}
 *       instance), each only if no effect with its key exists: an existing one is left as it is, never reset.</li>
 *   <li>{@link #apply} depends on nothing an earlier {@link #view} read: a store that never served a view applies a
 *       decision with the same conditions (everything it needs is in the decision).</li>
 *   <li>{@link #view} never forces a full-run load; the engine asks only for what it needs.</li>
 * </ul>
 */
public interface StateStore extends AutoCloseable {

    /** Remembers a DAG version (content hash -> spec text) so a run can be pinned to it. Idempotent. */
    void putDagVersion(String dagId, String version, String specText);

    Optional<String> dagVersion(String dagId, String version);

    Optional<DagRun> run(String runId);

    /** Newest first (by logical date); {@code dagId} null means every DAG. */
    List<DagRun> runs(String dagId, int limit);

    /** Runs of a DAG in a state, oldest logical date first. */
    List<DagRun> runs(String dagId, RunState state, int limit);

    /** The newest logical date among this DAG's runs of the given type prefix ("scheduled"), if any. */
    Optional<Instant> latestLogicalDate(String dagId, String runIdPrefix);

    /**
     * The run of {@code dagId} with the greatest logical date before {@code logicalDate}, leaving manual runs out
     * when {@code skipManual} (depends_on_past: Airflow's previous run, or with catchup its previous scheduled run).
     */
    default Optional<DagRun> previousRun(String dagId, Instant logicalDate, boolean skipManual) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot find a previous run");
    }

    /**
     * The run of {@code dagId} with the least logical date after {@code logicalDate} (manual runs left out when
     * {@code skipManual}): the run a depends_on_past task may be waiting in for the run at {@code logicalDate}.
     */
    default Optional<DagRun> nextRun(String dagId, Instant logicalDate, boolean skipManual) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot find a next run");
    }

    /** The view the engine decides on. */
    RunView view(Dag dag, String runId);

    /** Every instance of a run, for display; ordered by task id then map index. */
    List<TaskInstance> instances(String runId);

    /** Applies a decision (atomically, or in the order its {@code commitLast} allows) and stores its timers. */
    void apply(Decision decision) throws ConcurrentUpdateException;

    /** Every effect of a run (callbacks, alerts, SLA and deadline misses), in the order they were created. */
    List<dev.sluice.engine.Effect> effects(String runId);

    /**
     * Claims an effect to run it: {@code pending -> running}, a conditional write. Returns false when it is not
     * pending (another process claimed it, or it ran), so each effect runs at most once.
     */
    boolean claimEffect(dev.sluice.engine.Effect effect);

    /** Records how a claimed effect ended: {@code running -> done} or {@code failed}, with what happened. */
    void finishEffect(dev.sluice.engine.Effect effect, dev.sluice.engine.Effect.State state, String detail);

    /** Timers due at {@code now}, oldest first. */
    List<Timer> dueTimers(Instant now, int limit);

    /** Deletes a timer once its event was applied (or found stale). Idempotent. */
    void deleteTimer(Timer timer);

    /** Slots in use in a pool across all runs. */
    int poolUsed(String pool);

    /** Every stored pool, by name. */
    List<Pool> pools();

    /**
     * Sets a pool's size by hand ({@code sluice pools set}): it wins over every DAG's declaration from now on.
     * Slots in use stay; a size below them admits nothing until enough are given back.
     */
    void setPool(String name, int size, String description);

    /** Deletes a pool ({@code sluice pools delete}) unless slots are in use. */
    PoolDeletion deletePool(String name);

    /** How {@link #deletePool} ended. */
    enum PoolDeletion { DELETED, NOT_FOUND, IN_USE }

    /** Every circuit breaker that was ever written, by name. */
    List<dev.sluice.engine.BreakerState> breakers();

    /** Closes a breaker by hand ({@code sluice breakers reset}); returns false when there is no such breaker. */
    boolean resetBreaker(String name);

    @Override
    default void close() {
    }
}
