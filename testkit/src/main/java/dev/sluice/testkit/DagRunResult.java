package dev.sluice.testkit;

import dev.sluice.cli.local.LocalRunnerFiles;
import dev.sluice.cli.local.RunReport;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.Json;
import dev.sluice.engine.TaskInstance;
import dev.sluice.model.Dag;
import dev.sluice.store.StateStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a {@link DagTest} run ended: the run's state and every task's, with Airflow's lowercase names
 * ({@code success}, {@code failed}, {@code skipped}, {@code upstream_failed}, ...). A task is named by its id, a
 * mapped task's instances by {@code id[0]}, {@code id[1]}, ...; {@link #toString()} is the summary grid.
 */
public final class DagRunResult {
    private final DagRun run;
    private final Map<String, TaskInstance> tasks;
    private final Path logsDir;

    private DagRunResult(DagRun run, Map<String, TaskInstance> tasks, Path logsDir) {
        this.run = run;
        this.tasks = tasks;
        this.logsDir = logsDir;
    }

    static DagRunResult of(Dag dag, StateStore store, String runId, Path logsDir) {
        Map<String, TaskInstance> tasks = new LinkedHashMap<>();
        for (TaskInstance t : RunReport.visible(dag, store.instances(runId))) {
            tasks.put(label(t), t);
        }
        return new DagRunResult(store.run(runId).orElseThrow(), tasks, logsDir);
    }

    private static String label(TaskInstance t) {
        return t.mapIndex() < 0 ? t.taskId() : t.taskId() + "[" + t.mapIndex() + "]";
    }

    public String runId() {
        return run.runId();
    }

    /** {@code success} or {@code failed} (or {@code running} when the run was stopped at its timeout). */
    public String state() {
        return run.state().airflowName();
    }

    public boolean succeeded() {
        return "success".equals(state());
    }

    /** Every task's state, by task id (mapped instances as {@code id[i]}), in the DAG's order. */
    public Map<String, String> states() {
        Map<String, String> out = new LinkedHashMap<>();
        tasks.forEach((k, t) -> out.put(k, t.state().airflowName()));
        return Collections.unmodifiableMap(out);
    }

    /** The state of a task ({@code "load"}) or of one instance of a mapped task ({@code "load[2]"}). */
    public String taskState(String task) {
        return instance(task).state().airflowName();
    }

    /** The task's output (its return value or stub output, read back from JSON: Map, List, String, Number...). */
    public Object output(String task) {
        return Json.toJava(instance(task).outputJson());
    }

    /** The task's output as stored: JSON text, or null. */
    public String outputJson(String task) {
        return instance(task).outputJson();
    }

    /** The try the task ended on (1 for the first). */
    public int tries(String task) {
        return instance(task).tryNumber();
    }

    /** Why the task failed or was skipped, or null. */
    public String error(String task) {
        return instance(task).error();
    }

    /** The log of the task's last try ("" when it wrote none: an empty task, a stub). */
    public String log(String task) {
        TaskInstance t = instance(task);
        Path file = LocalRunnerFiles.logFile(logsDir, run.dagId(), run.runId(), t.taskId(), t.mapIndex(),
                t.tryNumber());
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Throws an {@link AssertionError} with the summary grid unless the run succeeded. */
    public DagRunResult assertSucceeded() {
        if (!succeeded()) {
            throw new AssertionError("run " + run.runId() + " is " + state() + ", not success:\n" + this);
        }
        return this;
    }

    private TaskInstance instance(String task) {
        TaskInstance t = tasks.get(task);
        if (t != null) {
            return t;
        }
        List<String> mapped = tasks.keySet().stream().filter(k -> k.startsWith(task + "[")).toList();
        if (!mapped.isEmpty()) {
            throw new IllegalArgumentException("task '" + task + "' is mapped; name an instance: " + mapped);
        }
        throw new IllegalArgumentException("no task '" + task + "' in run " + run.runId() + "; tasks: "
                + tasks.keySet());
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("run ").append(run.runId()).append(' ').append(state()).append('\n');
        int width = tasks.keySet().stream().mapToInt(String::length).max().orElse(4);
        tasks.forEach((k, t) -> {
            s.append(String.format("  %-" + width + "s  %-16s try %d/%d", k, t.state().airflowName(),
                    t.tryNumber(), t.maxTries()));
            if (t.error() != null) {
                s.append("  ").append(t.error());
            }
            s.append('\n');
        });
        return s.toString();
    }
}
