package dev.sluice.api;

import java.util.List;

/**
 * What a {@link Callback} is told, as Airflow's callback context: the event and the task instance it is about.
 *
 * @param event       {@code execute}, {@code retry}, {@code failure}, {@code success}, {@code sla_miss},
 *                    {@code run_failed}, {@code run_succeeded} or {@code deadline_miss}
 * @param taskId      the task, or null for the run's own events
 * @param mapIndex    the mapped instance's index, -1 when not mapped
 * @param logicalDate ISO-8601 instant
 * @param tryNumber   the try the event is about (0 for an SLA miss and the run's events)
 * @param error       the try's error (failure, retry), else null
 * @param log         where the try's log is: a file path locally, a CloudWatch Logs Insights link on AWS
 * @param dueAt       for an SLA or deadline miss, when it was due (ISO-8601), else null
 */
public record CallbackContext(String event, String dagId, String taskId, int mapIndex, String runId,
                              String logicalDate, int tryNumber, int maxTries, String error, String log,
                              List<String> tags, String owner, String dueAt) {
    public CallbackContext {
        tags = tags == null ? List.of() : List.copyOf(tags);
    }
}
