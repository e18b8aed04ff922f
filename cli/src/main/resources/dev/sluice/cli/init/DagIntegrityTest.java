package example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sluice.testkit.DagBag;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every DAG under dags/ loads, validates and follows policy.yaml (sluice-testkit's DagBag). */
class DagIntegrityTest {
    @Test
    void everyDagLoadsAndFollowsThePolicy() {
        DagBag bag = DagBag.load(Path.of("dags"), Path.of("policy.yaml"));
        bag.assertNoErrors(); // fails listing every problem as file:line:col: error: message
        assertEquals(Set.of("hello"), bag.dagIds());
    }
}
