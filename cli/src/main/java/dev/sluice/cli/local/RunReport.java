package dev.sluice.cli.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.cli.render.TerminalText;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.Json;
import dev.sluice.engine.TaskInstance;
import dev.sluice.model.Dag;
import dev.sluice.state.TaskState;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** The run as JSON (for {@code --json}) and as a summary grid (tasks × state × tries × duration). */
public final class RunReport {
    private RunReport() {
    }

    /** Instances a user cares about: every task, mapped instances instead of their placeholder, in DAG order. */
    public static List<TaskInstance> visible(Dag dag, List<TaskInstance> all) {
        List<TaskInstance> out = new ArrayList<>();
        java.util.Set<String> stored = new java.util.HashSet<>();
        for (TaskInstance t : all) {
            stored.add(t.taskId());
            if (t.mapIndex() < 0 && t.state() == TaskState.REMOVED) {
                continue;
            }
            out.add(t);
        }
        if (dag != null && !all.isEmpty()) {
            // A task is stored from its first change on; until then it is "none".
            String runId = all.get(0).runId();
            for (var spec : dag.tasks()) {
                if (!stored.contains(spec.taskId())) {
                    out.add(TaskInstance.initial(runId, spec.taskId(), spec.maxTries(), spec.priorityWeight()));
                }
            }
        }
        if (dag != null) {
            out.sort(Comparator.comparingInt((TaskInstance t) -> dag.hasTask(t.taskId()) ? dag.position(t.taskId())
                    : Integer.MAX_VALUE).thenComparing(TaskInstance::taskId).thenComparingInt(TaskInstance::mapIndex));
        }
        return out;
    }

    public static ObjectNode json(DagRun run, List<TaskInstance> tasks) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("dagId", run.dagId());
        o.put("runId", run.runId());
        o.put("logicalDate", run.logicalDate().toString());
        o.put("state", run.state().airflowName());
        o.put("dagVersion", run.dagVersion());
        List<String> versions = versionsRun(run, tasks);
        ArrayNode vs = o.putArray("versionsRun");
        versions.forEach(vs::add);
        o.put("spansVersions", versions.size() > 1);
        ArrayNode arr = o.putArray("tasks");
        for (TaskInstance t : tasks) {
            ObjectNode j = arr.addObject();
            j.put("taskId", t.taskId());
            j.put("mapIndex", t.mapIndex());
            j.put("state", t.state().airflowName());
            j.put("tryNumber", t.tryNumber());
            j.put("dagVersion", run.versionAt(t.queuedAt()));
            putTime(j, "startedAt", t.startedAt());
            putTime(j, "endedAt", t.endedAt());
            JsonNode out = t.outputJson() == null ? null : Json.read(t.outputJson());
            j.set("output", out == null ? Json.MAPPER.nullNode() : out);
            if (t.state() == TaskState.SCHEDULED && t.error() != null) {
                j.put("waitingFor", t.error()); // depends_on_past: the run and task it waits for
            }
        }
        return o;
    }

    /** The DAG versions the tries of this run ran, in the order the run had them. */
    public static List<String> versionsRun(DagRun run, List<TaskInstance> tasks) {
        java.util.Set<String> ran = new java.util.HashSet<>();
        for (TaskInstance t : tasks) {
            String v = run.versionAt(t.queuedAt());
            if (v != null) {
                ran.add(v);
            }
        }
        List<String> ordered = new java.util.ArrayList<>();
        run.earlierVersions().forEach(c -> {
            if (ran.contains(c.version()) && !ordered.contains(c.version())) {
                ordered.add(c.version());
            }
        });
        if (ran.contains(run.dagVersion()) && !ordered.contains(run.dagVersion())) {
            ordered.add(run.dagVersion());
        }
        return ordered;
    }

    /**
     * "tries span DAG versions: 1a2b.. (load), 3c4d.. (extract, report)" when the run's latest tries ran more than
     * one version (a clear moved it to a newer one), else null.
     */
    public static String versionNote(DagRun run, List<TaskInstance> tasks) {
        List<String> versions = versionsRun(run, tasks);
        if (versions.size() < 2) {
            return null;
        }
        List<String> parts = new java.util.ArrayList<>();
        for (String v : versions) {
            List<String> ids = new java.util.ArrayList<>();
            for (TaskInstance t : tasks) {
                if (v.equals(run.versionAt(t.queuedAt()))) {
                    ids.add(label(t));
                }
            }
            parts.add((v.length() > 12 ? v.substring(0, 12) : v) + " (" + String.join(", ", ids) + ")");
        }
        return "tries span DAG versions: " + String.join(", ", parts) + "; the run is now on "
                + (run.dagVersion().length() > 12 ? run.dagVersion().substring(0, 12) : run.dagVersion());
    }

    private static void putTime(ObjectNode j, String name, Instant t) {
        if (t == null) {
            j.putNull(name);
        } else {
            j.put(name, t.toString());
        }
    }

    public static void printJson(PrintWriter out, DagRun run, List<TaskInstance> tasks) {
        out.println(json(run, tasks).toString());
        out.flush();
    }

    /** A fixed-width grid; coloured states when {@code color}. */
    public static void printGrid(PrintWriter out, DagRun run, List<TaskInstance> tasks, boolean color) {
        int w = "task".length();
        for (TaskInstance t : tasks) {
            w = Math.max(w, label(t).length());
        }
        w = Math.min(w, 60);
        String fmt = "%-" + w + "s  %-17s  %5s  %9s%n";
        out.printf(Locale.ROOT, fmt, "task", "state", "tries", "duration");
        for (TaskInstance t : tasks) {
            String state = t.state().airflowName();
            String shown = color ? Colors.state(t.state(), String.format(Locale.ROOT, "%-17s", state))
                    : state;
            String tries = t.tryNumber() + "/" + t.maxTries();
            out.printf(Locale.ROOT, color ? "%-" + w + "s  %s  %5s  %9s%n" : fmt, abbreviate(label(t), w), shown,
                    tries, duration(t.startedAt(), t.endedAt()));
        }
        for (TaskInstance t : tasks) {
            String why = LocalRunner.reason(t);
            if (why != null && (t.state().isFailure() || t.state() == TaskState.SCHEDULED)) {
                out.printf(Locale.ROOT, "  %s: %s%n", abbreviate(label(t), w), TerminalText.oneLine(why, 200));
            }
        }
        long ok = tasks.stream().filter(t -> t.state() == TaskState.SUCCESS).count();
        long failed = tasks.stream().filter(t -> t.state().isFailure()).count();
        long skipped = tasks.stream().filter(t -> t.state() == TaskState.SKIPPED).count();
        String runState = run.state().airflowName();
        out.printf(Locale.ROOT, "run %s %s in %s: %d succeeded, %d failed, %d skipped%n", run.runId(),
                color ? Colors.run(run.state(), runState) : runState, duration(run.startedAt(), run.endedAt()), ok,
                failed, skipped);
        out.flush();
    }

    static String label(TaskInstance t) {
        return t.mapIndex() < 0 ? t.taskId() : t.taskId() + "[" + t.mapIndex() + "]";
    }

    private static String abbreviate(String s, int w) {
        return s.length() <= w ? s : s.substring(0, w - 3) + "...";
    }

    public static String duration(Instant start, Instant end) {
        if (start == null || end == null) {
            return "-";
        }
        Duration d = Duration.between(start, end);
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + "ms";
        } else if (ms < 60_000) {
            return String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
        } else if (ms < 3_600_000) {
            return (ms / 60_000) + "m" + ((ms / 1000) % 60) + "s";
        }
        return (ms / 3_600_000) + "h" + ((ms / 60_000) % 60) + "m";
    }
}
