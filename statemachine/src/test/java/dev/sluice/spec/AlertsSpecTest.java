package dev.sluice.spec;

import static dev.sluice.spec.SpecFixtures.error;
import static dev.sluice.spec.SpecFixtures.valid;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.AlertRule;
import dev.sluice.model.Callbacks;
import dev.sluice.model.Dag;
import dev.sluice.model.Deadline;
import dev.sluice.model.Location;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The spec of callbacks, alerts and deadlines. */
class AlertsSpecTest {

    @Test
    void everyCallbackAlertAndTheDeadlineAreRead() {
        Dag dag = valid("""
                dag_id: alerting
                tags: [severity:critical]
                on_failure: run_failed.sh
                on_success: handler:com.example.RunDone
                on_sla_miss: late.sh
                deadline: {reference: run_start, interval: 2h}
                default_args:
                  on_execute: started.sh
                  on_sla_miss: sla.sh
                alerts:
                  - when: [failed, sla_miss]
                    to: [sns, "webhook:https://hooks.example/x"]
                  - when: retry
                    final_try_only: false
                    severity: info
                    to: "command:echo retry"
                tasks:
                  - {task_id: a, command: x, on_failure: f.sh, on_retry: r.sh, on_success: s.sh}
                """).dag();
        assertThat(dag.task("a").callbacks()).isEqualTo(new Callbacks("f.sh", "r.sh", "s.sh", "sla.sh",
                "started.sh"));
        assertThat(dag.alerts().runCallbacks()).isEqualTo(new Callbacks("run_failed.sh", null,
                "handler:com.example.RunDone", "late.sh", null));
        assertThat(dag.alerts().deadline()).isEqualTo(new Deadline(Deadline.Reference.RUN_START,
                Duration.ofHours(2)));
        assertThat(dag.alerts().rules()).containsExactly(
                new AlertRule(Set.of(AlertRule.When.FAILED, AlertRule.When.SLA_MISS), true, null,
                        List.of("sns", "webhook:https://hooks.example/x")),
                new AlertRule(Set.of(AlertRule.When.RETRY), false, "info", List.of("command:echo retry")));
        assertThat(dag.alerts().rules().get(0).severityFor(dag.tags())).isEqualTo("critical");
    }

    @Test
    void anUnknownAlertEventIsAnErrorAtItsPlace() {
        var p = error("""
                dag_id: x
                alerts:
                  - {when: [faild], to: [sns]}
                tasks:
                  - {task_id: a, command: x}
                """, "unknown alert event");
        assertThat(p.message()).contains("'faild'").contains("failed");
        assertThat(p.location()).isEqualTo(new Location("t.yaml", 3, 12));
    }

    @Test
    void aBadTargetIsAnError() {
        assertThat(error("""
                dag_id: x
                alerts:
                  - {when: [failed], to: ["slack:#data"]}
                tasks:
                  - {task_id: a, command: x}
                """, "alert target").message())
                .isEqualTo("alert target 'slack:#data': use sns, sns:NAME, webhook:URL or command:CMD");
        assertThat(error("""
                dag_id: x
                alerts:
                  - {when: [failed], to: ["webhook:ftp://x/y"]}
                tasks:
                  - {task_id: a, command: x}
                """, "alert target").message()).contains("http or https");
    }

    @Test
    void aDeadlineNeedsAnIntervalAndAKnownReference() {
        assertThat(error("""
                dag_id: x
                deadline: {reference: run_start}
                tasks:
                  - {task_id: a, command: x}
                """, "deadline").message()).isEqualTo("deadline needs an interval (for example interval: 2h)");
        assertThat(error("""
                dag_id: x
                deadline: {reference: queued, interval: 1h}
                tasks:
                  - {task_id: a, command: x}
                """, "deadline").message()).contains("logical_date or run_start");
    }
}
