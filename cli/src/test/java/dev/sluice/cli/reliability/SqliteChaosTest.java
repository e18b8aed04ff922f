package dev.sluice.cli.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.cli.store.SqliteStateStore;
import dev.sluice.fuzz.chaos.ChaosFigures;
import dev.sluice.fuzz.chaos.ChaosHarness;
import dev.sluice.fuzz.chaos.ThrottlingStore;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chaos harness (statemachine test jar) against the embedded SQLite store: 200 runs, 8 concurrent workers on
 * one database file, every fault, 5% of store requests throttled. {@code -Dchaos.seed/-Dchaos.runs/-Dchaos.workers}
 * replay or widen it.
 */
class SqliteChaosTest {

    @Test
    void everyFaultedRunEndsLikeTheOracle(@TempDir Path dir) throws InterruptedException {
        long seed = Long.getLong("chaos.seed", 20_240_101L);
        try (SqliteStateStore inner = SqliteStateStore.open(dir.resolve("chaos.db"))) {
            ThrottlingStore faults = new ThrottlingStore(inner, seed, 0.05, 0.01);
            ChaosHarness.Config cfg = new ChaosHarness.Config("SQLite", seed, Integer.getInteger("chaos.runs", 200),
                    Integer.getInteger("chaos.workers", 8));
            ChaosFigures f = new ChaosHarness(cfg, faults.store(), inner).run();
            System.out.print(f.report());
            System.out.println("   store faults: " + faults.describe());
            assertThat(f.onTarget()).as(f.report()).isTrue();
        }
    }
}
