package dev.sluice.functions.alert;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.engine.DagRun;
import dev.sluice.engine.Notification;
import dev.sluice.engine.RunType;
import dev.sluice.engine.TaskKey;
import dev.sluice.functions.obs.JsonLog;
import dev.sluice.model.Dag;
import dev.sluice.spec.DagLoader;
import dev.sluice.state.RunState;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which notifications become alerts, what an alert says, and that sending one can never fail a decision. */
class AlertsTest {
    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private final JsonLog log = new JsonLog(new PrintStream(logged, true, StandardCharsets.UTF_8), Clock.systemUTC());
    private final List<Alert> sent = new ArrayList<>();

    private static Dag dag(String defaultArgs) {
        return DagLoader.loadString("""
                dag_id: nightly
                default_args: %s
                tasks:
                  - {task_id: load, command: "exit 3", sla: 10m}
                """.formatted(defaultArgs), "nightly.yaml").dag();
    }

    private static final DagRun RUN = new DagRun("nightly", "nightly.manual__1", RunType.MANUAL,
            Instant.parse("2024-06-01T00:00:00Z"), null, null, RunState.FAILED, null, "v1",
            null, Instant.parse("2024-06-01T00:00:01Z"), Instant.parse("2024-06-01T00:00:09Z"), 0, 0, 0, 1, 3);

    private static final Notification.TaskFailedFinal LOAD_FAILED = new Notification.TaskFailedFinal(
            "nightly.manual__1", TaskKey.of("load"), 2, 2, "the command exited with 3\nline 2\nline 3\nline 4\n"
            + "line 5\nline 6\nline 7");

    private Alerts alerts() {
        return Alerts.of(() -> sent::add, "prod", "sluice-prod", log);
    }

    @Test
    void aFailedRunAlertNamesTheRunItsFailedTasksAndHowToInspectIt() {
        alerts().on(dag("{}"), RUN, new Notification.RunFinished("nightly", "nightly.manual__1", RunState.FAILED),
                List.of(LOAD_FAILED));

        assertThat(sent).singleElement().satisfies(a -> {
            assertThat(a.kind()).isEqualTo("run_failed");
            assertThat(a.subject()).isEqualTo("[sluice prod] Run failed: nightly nightly.manual__1");
            assertThat(a.body()).contains("DAG:          nightly", "Run:          nightly.manual__1",
                    "load, try 2 of 2", "the command exited with 3", "line 5", "(2 more lines)",
                    "sluice dev runs nightly.manual__1 --stack sluice-prod", "filter runId = \"nightly.manual__1\"");
            assertThat(a.body()).doesNotContain("line 6");
        });
    }

    @Test
    void successfulRunsSendNothingAndTaskAlertsFollowEmailOnFailureAndEmailOnRetry() {
        Notification.TaskRetrying retrying = new Notification.TaskRetrying("nightly.manual__1", TaskKey.of("load"),
                1, 2, "boom", Instant.parse("2024-06-01T00:05:00Z"));
        alerts().on(dag("{}"), RUN, new Notification.RunFinished("nightly", "nightly.manual__1", RunState.SUCCESS),
                List.of());
        alerts().on(dag("{}"), RUN, LOAD_FAILED, List.of(LOAD_FAILED));
        alerts().on(dag("{}"), RUN, retrying, List.of());
        assertThat(sent).isEmpty();

        Dag opted = dag("{email: [oncall@example.com], email_on_failure: true, email_on_retry: true}");
        alerts().on(opted, RUN, LOAD_FAILED, List.of(LOAD_FAILED));
        alerts().on(opted, RUN, retrying, List.of());
        assertThat(sent).extracting(Alert::kind).containsExactly("task_failed", "task_retrying");
        assertThat(sent.get(0).body()).contains("State:        failed, try 2 of 2",
                "sluice tasks clear nightly.manual__1 load --stack sluice-prod");
        assertThat(sent.get(1).body()).contains("up_for_retry after try 1 of 2, next try at 2024-06-01T00:05:00Z");
    }

    @Test
    void aMissedSlaIsAlwaysAnAlert() {
        alerts().on(dag("{}"), RUN, new Notification.SlaMissed("nightly.manual__1", TaskKey.of("load")), List.of());

        assertThat(sent).singleElement().satisfies(a -> {
            assertThat(a.kind()).isEqualTo("sla_missed");
            assertThat(a.subject()).isEqualTo("[sluice prod] SLA missed: nightly.load nightly.manual__1");
            assertThat(a.body()).contains("Task:         load", "SLA:          PT10M");
        });
    }

    @Test
    void aSinkThatFailsIsLoggedAndNeverThrowsAndNoTopicIsLoggedOnce() {
        Alerts failing = Alerts.of(() -> a -> {
            throw new IllegalStateException("AuthorizationError: not allowed to publish");
        }, null, null, log);
        failing.on(dag("{}"), RUN, new Notification.RunFinished("nightly", "nightly.manual__1", RunState.FAILED),
                List.of());
        assertThat(logged.toString(StandardCharsets.UTF_8)).contains("alert_not_sent", "not allowed to publish");

        Alerts off = Alerts.of(null, null, null, log);
        for (int i = 0; i < 3; i++) {
            off.on(dag("{}"), RUN, new Notification.RunFinished("nightly", "nightly.manual__1", RunState.FAILED),
                    List.of());
        }
        assertThat(logged.toString(StandardCharsets.UTF_8).split("alerts_disabled", -1)).hasSize(2);
    }

    @Test
    void subjectsAreOneLineOfAtMostAHundredPrintableCharacters() {
        Alert a = new Alert("run_failed", "d", "r", null, "failed", "Run failed: \u00e9t\u00e9\n" + "x".repeat(200), "b");
        assertThat(a.subject()).hasSize(100).startsWith("Run failed: ?t? x").endsWith("...");
    }
}
