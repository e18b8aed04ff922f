package dev.sluice.fuzz.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.store.InMemoryStateStore;
import org.junit.jupiter.api.Test;

/**
 * The chaos harness against the in-memory store: 200 runs, 8 workers, all faults, 5% of store calls throttled.
 * {@code -Dchaos.seed=N -Dchaos.runs=N -Dchaos.workers=N} replay or widen it.
 */
class InMemoryChaosTest {

    @Test
    void everyFaultedRunEndsLikeTheOracle() throws InterruptedException {
        long seed = Long.getLong("chaos.seed", 20_240_101L);
        InMemoryStateStore inner = new InMemoryStateStore();
        ThrottlingStore faults = new ThrottlingStore(inner, seed, 0.05, 0.01);
        ChaosHarness.Config cfg = new ChaosHarness.Config("in-memory", seed, Integer.getInteger("chaos.runs", 200),
                Integer.getInteger("chaos.workers", 8));
        ChaosFigures f = new ChaosHarness(cfg, faults.store(), inner).run();
        System.out.print(f.report());
        System.out.println("   store faults: " + faults.describe());
        assertThat(f.onTarget()).as(f.report()).isTrue();
    }
}
