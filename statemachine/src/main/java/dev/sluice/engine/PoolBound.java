package dev.sluice.engine;

import dev.sluice.model.Dag;

/**
 * The size a decision admitted a pool's slots within, and what a writer checks and records when it takes them.
 * A writer accepts the take only while the stored pool would still give this bound (see {@link Pool}):
 * <ul>
 *   <li>unbounded ({@code size} null): the pool still has no stored size;</li>
 *   <li>set by hand ({@code declaredBy} null): the stored size is still {@code size} and still set by hand;</li>
 *   <li>declared ({@code declaredBy} a DAG id): no size is stored, or a declared size is, and it equals {@code size}
 *       or the pool is idle; the writer then records {@code size} and {@code declaredBy}.</li>
 * </ul>
 * Giving slots back needs no bound: it always lands and never takes a pool below zero.
 */
public record PoolBound(Integer size, String declaredBy) {

    public static final PoolBound UNBOUNDED = new PoolBound(null, null);

    /** The bound for {@code dag}'s use of {@code pool}, given the pool as stored. */
    public static PoolBound of(Pool stored, Dag dag, String pool) {
        Integer declared = dag == null ? null : dag.pools().get(pool);
        if (stored.size() != null && (stored.isSet() || stored.used() > 0 || declared == null)) {
            return new PoolBound(stored.size(), stored.declaredBy());
        }
        return declared != null ? new PoolBound(declared, dag.dagId()) : UNBOUNDED;
    }

    /** The bound of a decision built without a view: the DAG's declaration, if any. */
    public static PoolBound declared(Dag dag, String pool) {
        return of(Pool.absent(pool), dag, pool);
    }

    /** Whether {@code dag} declares a size for {@code pool} other than this bound's. */
    public boolean conflictsWith(Dag dag, String pool) {
        Integer declared = dag.pools().get(pool);
        return declared != null && !declared.equals(size);
    }

    /** Whether a writer may take {@code delta} more slots of {@code stored} within this bound (the rules above). */
    public boolean admits(Pool stored, int delta) {
        boolean sizeHolds = isUnbounded() ? stored.size() == null
                : isSet() ? stored.isSet() && size.equals(stored.size())
                : stored.size() == null
                        || (stored.declaredBy() != null && (size.equals(stored.size()) || stored.used() == 0));
        return sizeHolds && (isUnbounded() || stored.used() + delta <= size);
    }

    /** {@code stored} after a take of {@code delta} slots within this bound. */
    public Pool took(Pool stored, int delta) {
        return isUnbounded() || isSet()
                ? new Pool(stored.name(), stored.size(), stored.used() + delta, stored.declaredBy(),
                        stored.description())
                : new Pool(stored.name(), size, stored.used() + delta, declaredBy, stored.description());
    }

    public boolean isUnbounded() {
        return size == null;
    }

    /** Whether the size was set by hand ({@code sluice pools set}). */
    public boolean isSet() {
        return size != null && declaredBy == null;
    }
}
