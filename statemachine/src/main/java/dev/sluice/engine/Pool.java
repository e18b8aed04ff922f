package dev.sluice.engine;

/**
 * A pool as stored: its slots in use and where its size came from.
 *
 * <p>The size rule (docs/dag-spec.md, "Pools"): a size set with {@code sluice pools set} ({@link #isSet()}) wins over
 * every DAG. Otherwise the pool takes the size of the DAG that took its first slot while it was idle, and keeps it
 * while any slot is in use; a DAG that declares another size meanwhile gets the stored one, with a warning.
 *
 * @param name        the pool's name
 * @param size        its stored size; null when none is stored (unbounded, or a DAG's declaration applies)
 * @param used        slots in use across all runs and DAGs, never negative
 * @param declaredBy  the DAG whose declaration gave the stored size; null when the size was set by hand (or none)
 * @param description a note set with {@code sluice pools set --description}; null when none
 */
public record Pool(String name, Integer size, int used, String declaredBy, String description) {

    /** A pool that nothing stored yet. */
    public static Pool absent(String name) {
        return new Pool(name, null, 0, null, null);
    }

    /** This pool with {@code slots} given back: never below zero, whatever the size. */
    public Pool released(int slots) {
        return new Pool(name, size, Math.max(0, used - slots), declaredBy, description);
    }

    /** Whether the size was set by hand, so that it wins over every DAG's declaration. */
    public boolean isSet() {
        return size != null && declaredBy == null;
    }
}
