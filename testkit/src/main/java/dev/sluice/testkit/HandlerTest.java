package dev.sluice.testkit;

import dev.sluice.api.Task;
import dev.sluice.api.TaskContext;
import dev.sluice.engine.HandlerOutcome;
import dev.sluice.engine.Json;
import dev.sluice.schedule.RunIds;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Runs one {@code handler} task with a context made up for the test: upstream outputs, params, dates, item. The
 * task's return value or exception is classified as every runtime classifies it, and the output is read back from
 * JSON, so the test sees what downstream tasks would see.
 *
 * <pre>{@code
 * HandlerResult r = HandlerTest.of(new CountRows())
 *         .date("2024-01-01")
 *         .param("table", "orders")
 *         .upstream("extract", List.of(1, 2, 3))
 *         .run();
 * assertThat(r.output()).isEqualTo(Map.of("table", "orders", "rows", 3, "day", "2024-01-01"));
 * }</pre>
 *
 * Values given (params, upstream outputs, item) go through JSON first too, as they would when stored: a record
 * given as an upstream output reaches the task as a Map.
 */
public final class HandlerTest {
    private final Task task;
    private String dagId = "test_dag";
    private String taskId = "test_task";
    private LocalDate date = LocalDate.of(2024, 1, 1);
    private ZoneId zone = ZoneOffset.UTC;
    private Instant intervalStart;
    private Instant intervalEnd;
    private final Map<String, Object> params = new LinkedHashMap<>();
    private final Map<String, Object> upstream = new LinkedHashMap<>();
    private Object item;
    private int mapIndex = -1;
    private int tryNumber = 1;
    private int maxTries = 1;

    private HandlerTest(Task task) {
        this.task = Objects.requireNonNull(task, "task");
    }

    public static HandlerTest of(Task task) {
        return new HandlerTest(task);
    }

    /** A task class, created as the runtimes create it: through its public no-argument constructor. */
    public static HandlerTest of(Class<? extends Task> taskClass) {
        try {
            return new HandlerTest(taskClass.getConstructor().newInstance());
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException(taskClass.getName() + " needs a public no-argument constructor: "
                    + e, e);
        }
    }

    /** The DAG and task ids the context reports (default {@code test_dag}, {@code test_task}). */
    public HandlerTest ids(String dagId, String taskId) {
        this.dagId = Objects.requireNonNull(dagId, "dagId");
        this.taskId = Objects.requireNonNull(taskId, "taskId");
        return this;
    }

    /**
     * The logical date (default 2024-01-01): {@code ds}, and a daily data interval from its midnight to the next,
     * in the time zone (default UTC).
     */
    public HandlerTest date(String yyyyMmDd) {
        return date(LocalDate.parse(yyyyMmDd));
    }

    public HandlerTest date(LocalDate date) {
        this.date = Objects.requireNonNull(date, "date");
        return this;
    }

    public HandlerTest timezone(ZoneId zone) {
        this.zone = Objects.requireNonNull(zone, "zone");
        return this;
    }

    /** A data interval other than the logical date's day. */
    public HandlerTest interval(Instant start, Instant end) {
        this.intervalStart = Objects.requireNonNull(start, "start");
        this.intervalEnd = Objects.requireNonNull(end, "end");
        return this;
    }

    /** One param (as DAG params, task params and the run's conf would merge). */
    public HandlerTest param(String name, Object value) {
        params.put(name, value);
        return this;
    }

    public HandlerTest params(Map<String, ?> values) {
        params.putAll(values);
        return this;
    }

    /** The output of a direct upstream task, by its id ({@code group.task} inside a group). */
    public HandlerTest upstream(String upstreamTaskId, Object output) {
        upstream.put(upstreamTaskId, output);
        return this;
    }

    /** Runs the task as instance {@code index} of a mapped task, with {@code item}. */
    public HandlerTest item(Object item, int index) {
        if (index < 0) {
            throw new IllegalArgumentException("a map index is 0 or more, got " + index);
        }
        this.item = item;
        this.mapIndex = index;
        return this;
    }

    /** The try ({@code 1} for the first) and how many tries the task has (retries + 1). */
    public HandlerTest tryNumber(int tryNumber, int maxTries) {
        if (tryNumber < 1 || maxTries < tryNumber) {
            throw new IllegalArgumentException("need 1 <= tryNumber <= maxTries, got " + tryNumber + "/" + maxTries);
        }
        this.tryNumber = tryNumber;
        this.maxTries = maxTries;
        return this;
    }

    /** Calls the task once, on this thread. */
    public HandlerResult run() {
        Instant logical = date.atStartOfDay(zone).toInstant();
        Instant start = intervalStart != null ? intervalStart : logical;
        Instant end = intervalEnd != null ? intervalEnd : date.plusDays(1).atStartOfDay(zone).toInstant();
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        TaskContext ctx = new TestContext(dagId, RunIds.manual(dagId, logical), taskId, mapIndex, asStored(item),
                tryNumber, maxTries, logical, start, end, date.format(DateTimeFormatter.ISO_LOCAL_DATE),
                asStoredMap(params), asStoredMap(upstream), lines);
        return new HandlerResult(HandlerOutcome.of(task, ctx), List.copyOf(lines));
    }

    private static Object asStored(Object value) {
        return value == null ? null : Json.toJava(Json.write(value));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asStoredMap(Map<String, Object> values) {
        Map<String, Object> out = new LinkedHashMap<>();
        values.forEach((k, v) -> out.put(k, asStored(v)));
        return Collections.unmodifiableMap(out);
    }

    private record TestContext(String dagId, String runId, String taskId, int mapIndex, Object item, int tryNumber,
                               int maxTries, Instant logicalDate, Instant dataIntervalStart, Instant dataIntervalEnd,
                               String ds, Map<String, Object> params, Map<String, Object> upstreamOutputs,
                               List<String> lines) implements TaskContext {
        @Override
        public void log(String message) {
            lines.add(message);
        }
    }
}
