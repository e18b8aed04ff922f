package dev.sluice.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pools shared by DAGs on one SLUICE_HOME, and {@code sluice pools}, through the real CLI in its own processes. */
class PoolsIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Sluice sluice;

    @BeforeEach
    void setUp() {
        sluice = new Sluice(dir.resolve("home"), dir);
    }

    /** A DAG of three tasks in pool "shared" of {@code size}; each task marks its start, then sleeps. */
    private Path dag(String id, int size, double sleep) throws Exception {
        Path marks = Files.createDirectories(dir.resolve("marks"));
        StringBuilder y = new StringBuilder("dag_id: " + id + "\npools:\n  shared: " + size + "\ntasks:\n");
        for (String t : new String[] {"a", "b", "c"}) {
            y.append("  - {task_id: ").append(t).append(", pool: shared, command: 'touch ")
                    .append(marks.resolve(id + "_" + t)).append(" && sleep ").append(sleep).append("'}\n");
        }
        Path file = dir.resolve(id + ".yaml");
        Files.writeString(file, y.toString());
        return file;
    }

    private void awaitFile(Path p) throws InterruptedException {
        for (int i = 0; i < 600 && !Files.exists(p); i++) {
            TimeUnit.MILLISECONDS.sleep(50); // polling a file another process writes
        }
        assertThat(p).exists();
    }

    @Test
    void twoDagsThatGiveOnePoolDifferentSizesBothFinishAndGiveEverySlotBack() throws Exception {
        Path small = dag("small", 1, 2);
        Path big = dag("big", 3, 3);
        Process p1 = sluice.start(dir.resolve("o1"), dir.resolve("e1"), "run", small.toString());
        awaitFile(dir.resolve("marks/small_a")); // small holds the pool's one slot
        Process p2 = sluice.start(dir.resolve("o2"), dir.resolve("e2"), "run", big.toString());
        assertThat(p1.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p2.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p1.exitValue()).as(Files.readString(dir.resolve("e1"))).isZero();
        assertThat(p2.exitValue()).as(Files.readString(dir.resolve("e2"))).isZero();
        assertThat(Files.readString(dir.resolve("e1")) + Files.readString(dir.resolve("e2")))
                .doesNotContain("Exception");
        String out2 = Files.readString(dir.resolve("o2"));
        assertThat(out2).contains("warning: pool shared has size 1 (declared by DAG small), not the 3 this DAG "
                + "declares; using 1");
        JsonNode runs = JSON.readTree(sluice.run("runs", "list", "--json").out());
        assertThat(runs).hasSize(2);
        assertThat(runs).allSatisfy(r -> assertThat(r.get("state").asText()).isEqualTo("success"));
        JsonNode pools = JSON.readTree(sluice.run("pools", "list", "--json").out());
        assertThat(pools).hasSize(1);
        assertThat(pools.get(0).get("name").asText()).isEqualTo("shared");
        assertThat(pools.get(0).get("used").asInt()).isZero();
    }

    @Test
    void poolsSetListAndDeleteWithClearRefusals() throws Exception {
        Sluice.Result set = sluice.run("pools", "set", "partner_api", "2", "--description", "two calls at once");
        assertThat(set.exit()).as(set.toString()).isZero();
        assertThat(set.out()).contains("pool partner_api set to 2 slots");
        Sluice.Result list = sluice.run("pools", "list");
        assertThat(list.out()).containsPattern("partner_api +2 +0 +set by hand +two calls at once");

        for (String[] bad : new String[][] {{"set", "partner_api", "two"}, {"set", "partner_api", "-1"},
            {"set", "bad name!", "1"}, {"delete", "partner_apx"}}) {
            String[] args = new String[bad.length + 1];
            args[0] = "pools";
            System.arraycopy(bad, 0, args, 1, bad.length);
            Sluice.Result r = sluice.run(args);
            assertThat(r.exit()).as(r.toString()).isEqualTo(2);
            assertThat(r.err().strip().lines().count()).as(r.toString()).isEqualTo(1);
            assertThat(r.err()).doesNotContain("Exception");
        }
        assertThat(sluice.run("pools", "set", "partner_api", "two").err())
                .contains("pool size must be a whole number, got 'two'");
        assertThat(sluice.run("pools", "set", "partner_api", "-1").err()).contains("pool size must be 0 or more");
        assertThat(sluice.run("pools", "delete", "partner_apx").err())
                .contains("no pool partner_apx (did you mean 'partner_api'?)");

        // The hand-set size wins over the DAG's 3, and a pool with a slot in use is not deleted.
        Path file = dag("user", 3, 4);
        Files.writeString(file, Files.readString(file).replace("shared", "partner_api"));
        Process run = sluice.start(dir.resolve("o3"), dir.resolve("e3"), "run", file.toString());
        awaitFile(dir.resolve("marks/user_a"));
        Sluice.Result busy = sluice.run("pools", "delete", "partner_api");
        assertThat(busy.exit()).isEqualTo(2);
        assertThat(busy.err()).contains("pool partner_api has", "in use; delete it once its tasks have finished");
        assertThat(run.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(run.exitValue()).as(Files.readString(dir.resolve("e3"))).isZero();
        assertThat(Files.readString(dir.resolve("o3"))).contains("warning: pool partner_api has size 2 (set with "
                + "sluice pools set), not the 3 this DAG declares; using 2");
        Sluice.Result deleted = sluice.run("pools", "delete", "partner_api");
        assertThat(deleted.exit()).as(deleted.toString()).isZero();
        assertThat(sluice.run("pools", "list").out()).contains("no pools yet");
    }
}
