package example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sluice.testkit.DagRunResult;
import dev.sluice.testkit.DagTest;
import dev.sluice.testkit.Stub;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The whole DAG, run in this JVM by the real engine, with some tasks stubbed (sluice-testkit's DagTest). */
class HelloDagTest {
    private static final Path DAG = Path.of("dags/hello.yaml");

    @Test
    void runsEveryTask() {
        DagRunResult run = DagTest.of(DAG).date("2024-01-01").run();
        run.assertSucceeded();
        assertEquals(Map.of("table", "orders", "rows", 5, "day", "2024-01-01"), run.output("count_rows"));
        assertEquals("orders: 5 rows on 2024-01-01", run.output("report"));
    }

    @Test
    void anEmptyExtractSkipsTheRest() {
        DagRunResult run = DagTest.of(DAG).date("2024-01-01").stub("extract", Stub.output(List.of())).run();
        assertEquals("success", run.state());
        assertEquals("skipped", run.taskState("count_rows"));
        // every task after extract, including any you add downstream of it
        run.states().forEach((task, state) -> assertEquals(task.equals("extract") ? "success" : "skipped", state,
                task));
    }

    @Test
    void aFailingExtractIsRetriedThenFailsTheRun() {
        DagRunResult run = DagTest.of(DAG).date("2024-01-01").stub("extract", Stub.fail("source down")).run();
        assertEquals("failed", run.state());
        assertEquals(2, run.tries("extract")); // retries: 1
        assertEquals("upstream_failed", run.taskState("count_rows"));
    }
}
