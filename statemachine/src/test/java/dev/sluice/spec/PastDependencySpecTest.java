package dev.sluice.spec;

import static dev.sluice.spec.SpecFixtures.error;
import static dev.sluice.spec.SpecFixtures.valid;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.Dag;
import dev.sluice.model.PastDependency;
import org.junit.jupiter.api.Test;

/** Reading depends_on_past and wait_for_downstream, on tasks and under default_args. */
class PastDependencySpecTest {

    @Test
    void readsBothOnTasksAndFromDefaultArgs() {
        Dag dag = valid("""
                dag_id: dp
                default_args: {depends_on_past: true}
                tasks:
                  - {task_id: a, command: "echo a"}
                  - {task_id: b, command: "echo b", upstream: a, depends_on_past: false}
                  - {task_id: c, command: "echo c", upstream: b, depends_on_past: false, wait_for_downstream: true}
                """).dag();
        assertThat(dag.task("a").past()).isEqualTo(PastDependency.DEPENDS_ON_PAST);
        assertThat(dag.task("b").past()).isEqualTo(PastDependency.NONE);
        // wait_for_downstream implies depends_on_past, as in Airflow.
        assertThat(dag.task("c").past()).isEqualTo(PastDependency.WAIT_FOR_DOWNSTREAM);
    }

    @Test
    void mappedTasksTakeNoPart() {
        assertThat(error("""
                dag_id: dp
                tasks:
                  - {task_id: m, command: "echo {{ item }}", expand: [1, 2], depends_on_past: true}
                """, "is mapped").message())
                .isEqualTo("task 'm' is mapped; depends_on_past and wait_for_downstream are not supported on "
                        + "mapped tasks");
        assertThat(error("""
                dag_id: dp
                tasks:
                  - {task_id: a, command: "echo a", wait_for_downstream: true}
                  - {task_id: m, command: "echo {{ item }}", upstream: a, expand: [1, 2]}
                """, "is mapped").message()).contains("downstream of 'a', which sets wait_for_downstream");
    }

    @Test
    void aNonBooleanIsAnError() {
        assertThat(error("""
                dag_id: dp
                tasks:
                  - {task_id: a, command: "echo a", depends_on_past: sometimes}
                """, "depends_on_past").message()).isNotBlank();
    }
}
