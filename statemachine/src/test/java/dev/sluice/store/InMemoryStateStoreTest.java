package dev.sluice.store;

/** The port's contract, run against the reference store. */
class InMemoryStateStoreTest extends StateStoreContract {
    @Override
    protected StateStore newStore() {
        return new InMemoryStateStore();
    }
}
