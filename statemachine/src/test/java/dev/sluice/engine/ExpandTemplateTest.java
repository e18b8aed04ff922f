package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.engine.testing.RunDriver;
import dev.sluice.model.Dag;
import dev.sluice.model.DagBuilder;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code expand: "{{ params.tables }}"}: rendered when the task is ready, with the run's params and conf. */
class ExpandTemplateTest {

    private static Dag dag(String template) {
        return DagBuilder.dag("m").params(Map.of("tables", List.of("orders", "customers")))
                .task("start", t -> t.command("x"))
                .task("per_table", t -> t.command("x").upstream("start").expandTemplate(template))
                .build();
    }

    @Test
    void mapsOverTheDagsParams() {
        RunDriver d = new RunDriver(dag("{{ params.tables }}"));
        d.start("r1");
        DagRun run = d.runToEnd("r1", RunDriver.allSucceed());
        assertThat(d.instance("r1", "per_table").mapCount()).isEqualTo(2);
        assertThat(d.instance("r1", "per_table", 0).itemJson()).isEqualTo("\"orders\"");
        assertThat(d.instance("r1", "per_table", 1).itemJson()).isEqualTo("\"customers\"");
        assertThat(run.state()).isEqualTo(RunState.SUCCESS);
    }

    @Test
    void theRunsConfOverridesTheParams() {
        RunDriver d = new RunDriver(dag("{{ params.tables }}"));
        d.start("r1", "{\"tables\": [\"a\", {\"k\": 1}, 3]}");
        d.runToEnd("r1", RunDriver.allSucceed());
        assertThat(d.instance("r1", "per_table").mapCount()).isEqualTo(3);
        assertThat(d.instance("r1", "per_table", 1).itemJson()).isEqualTo("{\"k\":1}");
    }

    @Test
    void upstreamOutputsCanBeMappedOverWithAPath() {
        Dag dag = DagBuilder.dag("m")
                .task("start", t -> t.command("x"))
                .task("each", t -> t.command("x").upstream("start").expandTemplate("{{ outputs.start.files }}"))
                .build();
        RunDriver d = new RunDriver(dag);
        d.start("r1");
        d.runToEnd("r1", x -> x.task().taskId().equals("start")
                ? new Event.TaskSucceeded(x.task(), x.tryNumber(), "{\"files\": [\"a.csv\", \"b.csv\"]}")
                : new Event.TaskSucceeded(x.task(), x.tryNumber(), null));
        assertThat(d.instance("r1", "each", 1).itemJson()).isEqualTo("\"b.csv\"");
    }

    @Test
    void aResultThatIsNotAListFailsTheTaskWithAClearMessage() {
        RunDriver d = new RunDriver(dag("{{ params.tables }}"));
        d.start("r1", "{\"tables\": \"orders,customers\"}");
        DagRun run = d.runToEnd("r1", RunDriver.allSucceed());
        TaskInstance m = d.instance("r1", "per_table");
        assertThat(m.state()).isEqualTo(TaskState.FAILED);
        assertThat(m.error()).isEqualTo("expand {{ params.tables }} must render to a list (a JSON array), "
                + "got 'orders,customers'");
        assertThat(run.state()).isEqualTo(RunState.FAILED);
    }

    @Test
    void aTemplateErrorFailsTheTaskAndAnEmptyListSkipsIt() {
        RunDriver d = new RunDriver(dag("{{ params.nope }}"));
        d.start("r1");
        d.runToEnd("r1", RunDriver.allSucceed());
        assertThat(d.instance("r1", "per_table").state()).isEqualTo(TaskState.FAILED);
        assertThat(d.instance("r1", "per_table").error()).startsWith("expand {{ params.nope }}: ");

        RunDriver e = new RunDriver(dag("{{ params.tables }}"));
        e.start("r1", "{\"tables\": []}");
        e.runToEnd("r1", RunDriver.allSucceed());
        assertThat(e.instance("r1", "per_table").state()).isEqualTo(TaskState.SKIPPED);
    }
}
