package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.engine.Json;
import dev.sluice.model.Dag;
import dev.sluice.model.DagBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice dags next-run}: the scheduler's plan for a DAG, as of a given time. */
class DagsNextRunTest {
    @TempDir
    Path dir;

    private static Dag daily(boolean catchup, LocalDate start, LocalDate end) {
        return DagBuilder.dag("nr_daily").schedule("@daily").catchup(catchup).startDate(start).endDate(end)
                .task("a", t -> t.command("true")).build();
    }

    private static List<String> logical(List<DagsNextRun.Planned> plan) {
        return plan.stream().map(p -> p.interval().start().toString() + " due " + p.dueAt()).toList();
    }

    @Test
    void withoutCatchupTheLatestCompleteIntervalIsDueThenOnePerDay() {
        var plan = DagsNextRun.plan(daily(false, LocalDate.of(2024, 1, 1), null), null,
                Instant.parse("2024-03-10T12:00:00Z"), 3);
        assertThat(logical(plan)).containsExactly(
                "2024-03-09T00:00:00Z due 2024-03-10T00:00:00Z",
                "2024-03-10T00:00:00Z due 2024-03-11T00:00:00Z",
                "2024-03-11T00:00:00Z due 2024-03-12T00:00:00Z");
        assertThat(plan.get(0).runId()).isEqualTo("nr_daily.scheduled__2024-03-09T00:00:00Z");
    }

    @Test
    void withCatchupEveryIntervalSinceStartDateIsDue() {
        var plan = DagsNextRun.plan(daily(true, LocalDate.of(2024, 3, 1), null), null,
                Instant.parse("2024-03-04T12:00:00Z"), 5);
        assertThat(logical(plan)).containsExactly(
                "2024-03-01T00:00:00Z due 2024-03-02T00:00:00Z",
                "2024-03-02T00:00:00Z due 2024-03-03T00:00:00Z",
                "2024-03-03T00:00:00Z due 2024-03-04T00:00:00Z",
                "2024-03-04T00:00:00Z due 2024-03-05T00:00:00Z",
                "2024-03-05T00:00:00Z due 2024-03-06T00:00:00Z");
    }

    @Test
    void theLastScheduledRunEndDateAndAFutureStartDateBoundThePlan() {
        Instant now = Instant.parse("2024-03-10T12:00:00Z");
        assertThat(logical(DagsNextRun.plan(daily(false, LocalDate.of(2024, 1, 1), null),
                Instant.parse("2024-03-09T00:00:00Z"), now, 1)))
                .containsExactly("2024-03-10T00:00:00Z due 2024-03-11T00:00:00Z");
        assertThat(logical(DagsNextRun.plan(daily(true, LocalDate.of(2024, 3, 8), LocalDate.of(2024, 3, 9)),
                null, now, 5)))
                .containsExactly("2024-03-08T00:00:00Z due 2024-03-09T00:00:00Z",
                        "2024-03-09T00:00:00Z due 2024-03-10T00:00:00Z");
        assertThat(logical(DagsNextRun.plan(daily(false, LocalDate.of(2024, 6, 1), null), null, now, 1)))
                .containsExactly("2024-06-01T00:00:00Z due 2024-06-02T00:00:00Z");
    }

    @Test
    void onceRunsOnceAtItsStartDate() {
        Dag once = DagBuilder.dag("nr_once").schedule("@once").startDate(LocalDate.of(2024, 5, 1))
                .task("a", t -> t.command("true")).build();
        Instant now = Instant.parse("2024-04-01T00:00:00Z");
        assertThat(logical(DagsNextRun.plan(once, null, now, 3)))
                .containsExactly("2024-05-01T00:00:00Z due 2024-05-01T00:00:00Z");
        assertThat(DagsNextRun.plan(once, Instant.parse("2024-05-01T00:00:00Z"), now, 3)).isEmpty();
    }

    private Path dagFile(String yaml) throws IOException {
        Path f = dir.resolve("nr.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void theCommandPrintsTheTableAndJson() throws IOException {
        dagFile("""
                dag_id: nr_cmd_daily
                schedule: "0 2 * * *"
                start_date: 2024-01-01
                catchup: false
                tasks:
                  - {task_id: a, command: "true"}
                """);
        CliRunner.Result r = CliRunner.run("dags", "next-run", "nr_cmd_daily", "--path", dir.toString(), "-n", "2",
                "--after", "2024-03-10");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("nr_cmd_daily: schedule 0 2 * * * in UTC, catchup false, start_date 2024-01-01T00:00")
                .containsPattern("2024-03-08T02:00:00Z +2024-03-09T02:00:00Z +due now +"
                        + "nr_cmd_daily.scheduled__2024-03-08T02:00:00Z")
                .containsPattern("2024-03-09T02:00:00Z +2024-03-10T02:00:00Z +2024-03-10T02:00:00Z +");

        CliRunner.Result j = CliRunner.run("dags", "next-run", "nr_cmd_daily", "--path", dir.toString(), "-n", "1",
                "--after", "2024-03-10T12:00:00Z", "--json");
        assertThat(j.exitCode()).as(j.err()).isZero();
        JsonNode o = Json.read(j.out());
        assertThat(o.get("asOf").asText()).isEqualTo("2024-03-10T12:00:00Z");
        assertThat(o.get("runs")).hasSize(1);
        assertThat(o.get("runs").get(0).get("logicalDate").asText()).isEqualTo("2024-03-09T02:00:00Z");
        assertThat(o.get("runs").get(0).get("dataIntervalEnd").asText()).isEqualTo("2024-03-10T02:00:00Z");
        assertThat(o.get("runs").get(0).get("dueNow").asBoolean()).isTrue();
    }

    @Test
    void aDagWithoutScheduleSaysSoWithExitZero() throws IOException {
        Path f = dagFile("""
                dag_id: nr_manual
                tasks:
                  - {task_id: a, command: "true"}
                """);
        CliRunner.Result r = CliRunner.run("dags", "next-run", f.toString());
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).startsWith("nr_manual has no schedule: it runs only when triggered");
        CliRunner.Result j = CliRunner.run("dags", "next-run", f.toString(), "--json");
        assertThat(Json.read(j.out()).get("runs")).isEmpty();
    }

    @Test
    void badInputIsOneLineAndExitTwo() throws IOException {
        Path f = dagFile("""
                dag_id: nr_bad
                schedule: "@daily"
                tasks:
                  - {task_id: a, command: "true"}
                """);
        for (String[] args : List.of(
                new String[] {"dags", "next-run", f.toString(), "-n", "0"},
                new String[] {"dags", "next-run", f.toString(), "--after", "soon"},
                new String[] {"dags", "next-run", "nr_bda", "--path", dir.toString()})) {
            CliRunner.Result r = CliRunner.run(args);
            assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID);
            assertThat(r.err().lines().toList()).hasSize(1);
        }
        assertThat(CliRunner.run("dags", "next-run", "nr_bda", "--path", dir.toString()).err())
                .isEqualTo("error: no DAG 'nr_bda' in " + dir + "; did you mean 'nr_bad'?\n");
        assertThat(CliRunner.run("dags", "next-run", f.toString(), "--after", "soon").err())
                .startsWith("error: --after must be YYYY-MM-DD or an instant like 2024-06-01T12:00:00Z, got 'soon'");
    }
}
