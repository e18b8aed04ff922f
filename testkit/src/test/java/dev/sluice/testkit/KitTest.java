package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.NonRetryableTaskException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The kit on a DAG with a command, a mapped handler, a handler and a templated command. */
class KitTest {
    private static final Path DAG = Path.of("src/test/resources/kit/dags/numbers.yaml");

    @Test
    void aDagRunsForRealWithEveryTaskState() {
        DagRunResult run = DagTest.of(DAG).date("2024-01-01").run();
        run.assertSucceeded();
        assertThat(run.states()).containsExactly(Map.entry("produce", "success"), Map.entry("square[0]", "success"),
                Map.entry("square[1]", "success"), Map.entry("square[2]", "success"), Map.entry("total", "success"),
                Map.entry("announce", "success"));
        assertThat(run.output("total")).isEqualTo(14);
        assertThat(run.output("announce")).isEqualTo("total 14 on 2024-01-01");
        assertThat(run.log("total")).contains("adding [1, 4, 9]");
        assertThatThrownBy(() -> run.taskState("square")).hasMessageContaining("square[0]");
    }

    @Test
    void stubsGiveOutputsFailuresAndSkips() {
        assertThat(DagTest.of(DAG).date("2024-01-01").stub("produce", Stub.output(List.of(5))).run()
                .output("total")).isEqualTo(25);

        DagRunResult failed = DagTest.of(DAG).date("2024-01-01").stub("total", Stub.fail("db down")).run();
        assertThat(failed.state()).isEqualTo("failed");
        assertThat(failed.tries("total")).isEqualTo(3); // retries: 2, delays skipped
        assertThat(failed.error("total")).contains("db down");
        assertThat(failed.taskState("announce")).isEqualTo("upstream_failed");

        assertThat(DagTest.of(DAG).date("2024-01-01").stub("total", Stub.failNow("bad")).run().tries("total"))
                .isEqualTo(1);

        DagRunResult skipped = DagTest.of(DAG).date("2024-01-01").stub("produce", Stub.skip("no data")).run();
        assertThat(skipped.state()).isEqualTo("success");
        assertThat(skipped.taskState("total")).isEqualTo("skipped");

        DagRunResult lambda = DagTest.of(DAG).date("2024-01-01")
                .stub("total", Stub.with(ctx -> "saw " + ctx.upstreamOutput("square"))).run();
        assertThat(lambda.output("total")).isEqualTo("saw [1, 4, 9]");
    }

    @Test
    void aHandlerRunsWithAMadeUpContext() {
        HandlerResult r = HandlerTest.of(Total.class).upstream("square", List.of(1, 4)).run();
        assertThat(r.state()).isEqualTo("success");
        assertThat(r.output()).isEqualTo(5);
        assertThat(r.logLines()).containsExactly("adding [1, 4]");

        HandlerResult mapped = HandlerTest.of(new Square()).item(7, 3).run();
        assertThat(mapped.output()).isEqualTo(49);

        HandlerResult dates = HandlerTest.of(ctx -> ctx.ds() + " " + ctx.dataIntervalEnd() + " " + ctx.params())
                .date("2024-03-05").param("p", 1).run();
        assertThat(dates.output()).isEqualTo("2024-03-05 2024-03-06T00:00:00Z {p=1}");

        HandlerResult failed = HandlerTest.of(ctx -> {
            throw new NonRetryableTaskException("no");
        }).run();
        assertThat(failed.state()).isEqualTo("failed");
        assertThat(failed.retryable()).isFalse();
        assertThatThrownBy(failed::assertSucceeded).hasMessageContaining("NonRetryableTaskException: no");
    }

    @Test
    void aDagBagAppliesThePolicy() {
        Path dags = Path.of("src/test/resources/kit/dags");
        assertThat(DagBag.load(dags).assertNoErrors().dagIds()).containsExactly("numbers");
        DagBag strict = DagBag.load(dags, Path.of("src/test/resources/kit/policy.yaml"));
        assertThat(strict.errors()).singleElement().asString().contains("numbers.yaml").contains("production");
        assertThatThrownBy(strict::assertNoErrors).hasMessageContaining("1 DAG error");
    }
}
