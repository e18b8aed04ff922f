package dev.sluice.functions.task;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.engine.Json;
import dev.sluice.functions.support.Fixtures;
import dev.sluice.functions.support.Recorders;
import dev.sluice.functions.support.TestCoordinator;
import dev.sluice.output.LineCapture;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** On AWS as locally, a command's output over the limit fails the try and says so; it is never cut silently. */
class CommandWorkOutputTest {
    static final Instant NOW = Instant.parse("2024-03-05T02:01:00Z");

    private static String runOne(TestCoordinator t, String command) {
        ObjectNode dag = Json.MAPPER.createObjectNode().put("dag_id", "big");
        dag.putArray("tasks").addObject().put("task_id", "t").put("command", command);
        t.dags.put("dags/big.json", dag.toString());
        ObjectNode trigger = Json.MAPPER.createObjectNode().put("type", "trigger").put("dagId", "big")
                .put("runId", "big.manual__1");
        t.invoke(Fixtures.sqsBatch(trigger.toString()));
        TaskRuntime runtime = new TaskRuntime(t.store, t.registry, t.queue, null, Clock.fixed(NOW, ZoneOffset.UTC),
                new SplittableRandom(1), t.log, t.metrics);
        List<Recorders.Invocation> invocations = t.dispatcher.invocations;
        assertThat(invocations).as(t.logs()).hasSize(1);
        return runtime.handle(invocations.get(0).json(), null, new CommandWork());
    }

    @Test
    void anOutputOverTheLimitFailsTheTryNamingTheLimit() {
        TestCoordinator t = new TestCoordinator(NOW);

        String status = runOne(t, "echo '[1]'; head -c " + (LineCapture.MAX_OUTPUT_BYTES + 1)
                + " /dev/zero | tr '\\0' x; echo");

        assertThat(status).doesNotContain("success");
        assertThat(t.logs()).contains("over the limit of 1 MiB").contains("task_output_too_large");
    }

    @Test
    void aLongLineIsLoggedInBoundedPiecesAndSaysHowLongItWas() {
        TestCoordinator t = new TestCoordinator(NOW);

        String status = runOne(t, "head -c 20000 /dev/zero | tr '\\0' y; echo; echo done");

        assertThat(status).contains("success");
        assertThat(t.logs()).contains("\"bytes\":20000").doesNotContain("y".repeat(8193));
    }
}
