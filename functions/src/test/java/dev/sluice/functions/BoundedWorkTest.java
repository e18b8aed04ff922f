package dev.sluice.functions;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.engine.Json;
import dev.sluice.engine.TaskInstance;
import dev.sluice.functions.message.CoordinatorMessage;
import dev.sluice.functions.message.Messages;
import dev.sluice.functions.message.TaskRef;
import dev.sluice.functions.message.TaskResult;
import dev.sluice.functions.support.Fixtures;
import dev.sluice.functions.support.Recorders;
import dev.sluice.functions.support.RunsOutContext;
import dev.sluice.functions.support.TestCoordinator;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The coordinator under a short remaining time: the tick and an SQS batch stop early, what they did not start
 * continues (a {@code tick} message; the batch's rest as batch item failures), and once that has run the state is
 * the state the same work reaches without a time bound: every timer fired once, every overdue try timed out once.
 */
class BoundedWorkTest {
    static final Instant NOW = Instant.parse("2024-03-05T02:01:00Z");
    static final int TASKS = 5;
    /** Retries wait 2 h: longer than an SQS delay, so each is a stored timer that the tick fires. */
    static final String RETRYING = "dag_id: retrying\ntasks:\n" + tasks("r",
            "handler: com.example.R, retries: 1, retry_delay: 2h");
    /** Tries with a deadline that never report: the tick finds them overdue. */
    static final String STUCK = "dag_id: stuck\ntasks:\n" + tasks("s",
            "handler: com.example.S, execution_timeout: 10m, retries: 1, retry_delay: 2h");

    static String tasks(String prefix, String fields) {
        StringBuilder b = new StringBuilder();
        IntStream.rangeClosed(1, TASKS).forEach(i -> b.append("  - {task_id: ").append(prefix).append(i)
                .append(", ").append(fields).append("}\n"));
        return b.toString();
    }

    static final class MutableClock extends Clock {
        final AtomicReference<Instant> now = new AtomicReference<>(NOW);

        @Override public ZoneId getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(ZoneId zone) { return this; }
        @Override public Instant instant() { return now.get(); }
    }

    static final class World {
        final MutableClock clock = new MutableClock();
        final TestCoordinator t = new TestCoordinator(clock, true);

        World() {
            t.dags.put("dags/retrying.yaml", RETRYING).put("dags/stuck.yaml", STUCK);
        }

        /** Both runs started, every first try of `retrying` failed (a stored retry timer each), then 3 h pass. */
        World backlog() {
            t.invoke(Fixtures.sqsBatch(trigger("retrying"), trigger("stuck")));
            List<String> failed = new ArrayList<>();
            for (Recorders.Invocation i : t.dispatcher.invocations) {
                if (i.invocation().task().dagId().equals("retrying")) {
                    failed.add(Messages.write(new CoordinatorMessage.Completion(i.invocation().task(),
                            new TaskResult.Failed("boom", true))));
                }
            }
            assertThat(Json.read(t.invoke(Fixtures.sqsBatch(failed.toArray(String[]::new))))
                    .get("batchItemFailures")).isEmpty();
            clock.now.set(NOW.plus(Duration.ofHours(3)));
            assertThat(t.store.dueTimers(clock.instant(), 100)).hasSize(TASKS);
            return this;
        }

        static String trigger(String dagId) {
            return "{\"type\":\"trigger\",\"dagId\":\"" + dagId + "\",\"runId\":\"" + dagId + ".manual__1\"}";
        }

        /** runId/taskId -> state#try of every instance. */
        Map<String, String> state() {
            Map<String, String> m = new TreeMap<>();
            for (var r : t.store.runs(null, 100)) {
                m.put(r.runId(), r.state().airflowName());
                for (TaskInstance i : t.store.instances(r.runId())) {
                    m.put(r.runId() + "/" + i.taskId(), i.state().airflowName() + "#" + i.tryNumber());
                }
            }
            return m;
        }

        List<String> dispatched() {
            return t.dispatcher.invocations.stream().map(i -> i.invocation().task())
                    .map(r -> r.runId() + "/" + r.taskId() + "#" + r.tryNumber()).sorted().toList();
        }

        /** How often the tick timed each task out. */
        Map<String, Integer> overdueReports() {
            Map<String, Integer> m = new TreeMap<>();
            Matcher x = Pattern.compile("\"event\":\"task_overdue\"").matcher("");
            for (String line : t.logs().split("\n")) {
                if (x.reset(line).find()) {
                    String task = Json.read(line).path("taskId").asText();
                    m.merge(task, 1, Integer::sum);
                }
            }
            return m;
        }
    }

    @Test
    void aTickThatRunsShortContinuesInTickMessagesUntilTheWorkIsDoneOnce() {
        World bounded = new World().backlog();
        World unbounded = new World().backlog();
        unbounded.t.invoke(TestCoordinator.TICK);
        assertThat(unbounded.t.queue.of(CoordinatorMessage.Tick.class)).as("no bound, no continuation").isEmpty();

        // The start, both DAGs and one timer: the time is read 4 times with plenty left, then it is short.
        bounded.t.invoke(TestCoordinator.TICK, new RunsOutContext(4));

        List<CoordinatorMessage.Tick> sent = bounded.t.queue.of(CoordinatorMessage.Tick.class);
        assertThat(sent).as("the tick stopped early and continued in one message")
                .containsExactly(new CoordinatorMessage.Tick(CoordinatorMessage.TickPhase.TIMERS, null));
        assertThat(bounded.t.store.dueTimers(bounded.clock.instant(), 100)).as("timers left").hasSize(TASKS - 1);
        assertThat(bounded.overdueReports()).as("no overdue try handled yet").isEmpty();

        // Each continuation, delivered as SQS would, runs short too (its start, the message, two units).
        int delivered = 0;
        while (delivered < bounded.t.queue.of(CoordinatorMessage.Tick.class).size()) {
            CoordinatorMessage.Tick next = bounded.t.queue.of(CoordinatorMessage.Tick.class).get(delivered++);
            String response = bounded.t.invoke(Fixtures.sqsBatch(Messages.write(next)), new RunsOutContext(4));
            assertThat(Json.read(response).get("batchItemFailures")).isEmpty();
            assertThat(delivered).as("continuations").isLessThan(20);
        }

        assertThat(bounded.t.queue.of(CoordinatorMessage.Tick.class)).extracting(CoordinatorMessage.Tick::phase)
                .as("it went on where it stopped, in every step").contains(CoordinatorMessage.TickPhase.TIMERS,
                        CoordinatorMessage.TickPhase.OVERDUE).hasSizeGreaterThan(2);
        assertThat(bounded.t.store.dueTimers(bounded.clock.instant(), 100)).as("every due timer fired").isEmpty();
        assertThat(bounded.dispatched()).as("every (task, try) dispatched once").doesNotHaveDuplicates()
                .isEqualTo(unbounded.dispatched());
        assertThat(bounded.dispatched()).filteredOn(d -> d.startsWith("retrying.manual__1/") && d.endsWith("#2"))
                .hasSize(TASKS);
        Map<String, Integer> once = new TreeMap<>();
        IntStream.rangeClosed(1, TASKS).forEach(i -> once.put("s" + i, 1));
        assertThat(bounded.overdueReports()).as("every overdue try timed out once").isEqualTo(once)
                .isEqualTo(unbounded.overdueReports());
        assertThat(bounded.state()).isEqualTo(unbounded.state());
        assertThat(bounded.state()).containsEntry("stuck.manual__1/s1", "up_for_retry#1")
                .containsEntry("retrying.manual__1/r1", "queued#2");
    }

    @Test
    void aBatchThatRunsShortReturnsExactlyTheMessagesItDidNotStart() {
        World bounded = new World();
        World unbounded = new World();
        List<String> bodies = new ArrayList<>();
        for (World w : List.of(bounded, unbounded)) {
            w.t.invoke(Fixtures.sqsBatch(World.trigger("retrying")));
        }
        for (Recorders.Invocation i : bounded.t.dispatcher.invocations) {
            TaskRef r = i.invocation().task();
            bodies.add(Messages.write(new CoordinatorMessage.Completion(r, new TaskResult.Succeeded("1"))));
        }
        assertThat(bodies).hasSize(TASKS);
        unbounded.t.invoke(Fixtures.sqsBatch(bodies.toArray(String[]::new)));

        // The start and two messages have time; the third finds it short.
        String response = bounded.t.invoke(Fixtures.sqsBatch(bodies.toArray(String[]::new)), new RunsOutContext(3));

        JsonNode failures = Json.read(response).get("batchItemFailures");
        assertThat(failures).extracting(f -> f.get("itemIdentifier").asText()).containsExactly("m2", "m3", "m4");
        assertThat(bounded.state()).containsEntry("retrying.manual__1/r1", "success#1")
                .containsEntry("retrying.manual__1/r2", "success#1").containsEntry("retrying.manual__1/r3", "queued#1");
        assertThat(bounded.t.logs()).contains("\"event\":\"batch_stopped_early\"");

        // SQS delivers the three again (here in a batch of their own), and deletes the two that were done.
        String again = bounded.t.invoke(Fixtures.sqsBatch(bodies.subList(2, TASKS).toArray(String[]::new)));

        assertThat(Json.read(again).get("batchItemFailures")).isEmpty();
        assertThat(bounded.state()).isEqualTo(unbounded.state());
        assertThat(bounded.t.store.run("retrying.manual__1").orElseThrow().state()).isEqualTo(RunState.SUCCESS);
        assertThat(bounded.t.store.instances("retrying.manual__1")).extracting(TaskInstance::state)
                .containsOnly(TaskState.SUCCESS);
    }

    @Test
    void theFirstUnitAlwaysStartsSoAContinuationNeverPassesTheSameWorkOnUnchanged() {
        World w = new World().backlog();

        // Plenty at the start, short from the first unit on: the first unit (the first DAG's step) still runs.
        w.t.invoke(TestCoordinator.TICK, new RunsOutContext(1));

        assertThat(w.t.queue.of(CoordinatorMessage.Tick.class))
                .containsExactly(new CoordinatorMessage.Tick(CoordinatorMessage.TickPhase.DAGS, "stuck"));
    }

    @Test
    void aMarginLongerThanHalfTheInvocationIsCappedThere() {
        World w = new World().backlog();

        // One second left from the start, less than the 10 s margin: the margin shrinks to half a second.
        w.t.invoke(TestCoordinator.TICK, new RunsOutContext(0));

        assertThat(w.t.queue.of(CoordinatorMessage.Tick.class)).isEmpty();
        assertThat(w.t.store.dueTimers(w.clock.instant(), 100)).isEmpty();
        assertThat(w.overdueReports()).hasSize(TASKS);
    }
}
