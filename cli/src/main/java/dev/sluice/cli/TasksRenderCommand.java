package dev.sluice.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.cli.exec.Attempt;
import dev.sluice.engine.Json;
import dev.sluice.model.TaskKind;
import dev.sluice.template.ShellCommand;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sluice tasks render DAG TASK}: what one try of a task would run, without running it. */
@Command(name = "render", description = {
        "Print what a task would run, as 'airflow tasks render'.",
        "Nothing runs and nothing is recorded.",
        "Upstream outputs come from a stored run (--upstream-from).",
        "Or they are given (--upstream-output).",
        "A command task shows its script and each SLUICE_V_n value it reads:",
        "template values reach the shell as environment variables, not as text.",
        "A handler task shows its class. Then: params, upstream outputs, SLUICE_*.",
        "Example: sluice tasks render dynamic_table_pipeline extract_orders"})
final class TasksRenderCommand extends CliCommand {
    @Parameters(index = "0", paramLabel = "DAG", description = "A dag_id found under --path, or a DAG file.")
    String dag;

    @Parameters(index = "1", paramLabel = "TASK", description = "The task id.")
    String taskId;

    @Mixin
    DagArgument dags = new DagArgument();

    @Mixin
    TaskTry.Opts opts = new TaskTry.Opts();

    @Mixin
    TaskTry.UpstreamOpts upstreamOpts = new TaskTry.UpstreamOpts();

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    protected int run() {
        var found = dags.find(dag, err());
        TaskTry.Upstream up = upstreamOpts.resolve(found, taskId);
        // The log path is never opened: rendering runs nothing.
        TaskTry.Prepared p = TaskTry.prepare(found, taskId, opts, up, Path.of("unused"), Instant.now());
        if (json) {
            out().println(toJson(p).toString());
        } else {
            printText(out(), p);
        }
        return ExitCodes.OK;
    }

    static ObjectNode toJson(TaskTry.Prepared p) {
        Attempt a = p.attempt();
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("dagId", p.dag().dagId());
        o.put("taskId", a.taskId());
        o.put("mapIndex", a.mapIndex());
        o.put("runId", a.runId());
        o.put("logicalDate", p.run().logicalDate().toString());
        o.put("dataIntervalStart", p.run().dataIntervalStart().toString());
        o.put("dataIntervalEnd", p.run().dataIntervalEnd().toString());
        TaskKind kind = p.spec().kind();
        o.put("kind", kindName(kind));
        if (kind instanceof TaskKind.Command) {
            ObjectNode c = o.putObject("command");
            c.put("script", a.command());
            ObjectNode values = c.putObject("values");
            values(a.env()).forEach((k, v) -> values.put(k, a.masker().mask(v)));
        } else if (kind instanceof TaskKind.Handler h) {
            o.put("handler", h.className());
        } else if (kind instanceof TaskKind.Function f) {
            o.put("function", f.function());
        }
        o.set("item", Json.MAPPER.valueToTree(a.context().item()));
        o.set("params", Json.MAPPER.valueToTree(a.context().params()));
        o.set("upstreamOutputs", Json.MAPPER.valueToTree(a.context().upstreamOutputs()));
        ObjectNode env = o.putObject("environment");
        new TreeMap<>(a.env()).entrySet().stream().filter(e -> !e.getKey().startsWith(ShellCommand.PREFIX))
                .forEach(e -> env.put(e.getKey(), e.getValue()));
        o.set("missingUpstreamOutputs", Json.MAPPER.valueToTree(p.missing()));
        return o;
    }

    private static void printText(PrintWriter out, TaskTry.Prepared p) {
        Attempt a = p.attempt();
        TaskKind kind = p.spec().kind();
        out.println("task " + a.label() + " of " + p.dag().dagId() + " (" + kindName(kind) + "), run " + a.runId());
        out.println("logical date " + p.run().logicalDate() + ", data interval [" + p.run().dataIntervalStart()
                + ", " + p.run().dataIntervalEnd() + ")");
        out.println();
        if (kind instanceof TaskKind.Command) {
            out.println("script (run with /bin/sh -c):");
            a.command().lines().forEach(l -> out.println("  " + l));
            var lines = ShellCommand.valueLines(a.env(), a.masker()::mask);
            if (!lines.isEmpty()) {
                out.println("values (environment variables the script references; shown as JSON strings):");
                lines.forEach(l -> out.println("  " + l));
            }
        } else if (kind instanceof TaskKind.Handler h) {
            out.println("handler class: " + h.className());
        } else if (kind instanceof TaskKind.Function f) {
            out.println("function: " + f.function() + " (runs only on a deployment)");
        } else {
            out.println("empty task: runs nothing");
        }
        if (a.mapIndex() >= 0) {
            out.println("item: " + Json.write(a.context().item()));
        }
        section(out, "params", a.context().params());
        section(out, "upstream outputs", a.context().upstreamOutputs());
        for (String m : p.missing()) {
            out.println("  " + m + ": (not given; use --upstream-output " + m + "=JSON)");
        }
        out.println("environment:");
        new TreeMap<>(a.env()).entrySet().stream().filter(e -> !e.getKey().startsWith(ShellCommand.PREFIX))
                .forEach(e -> out.println("  " + e.getKey() + "=" + Json.write(e.getValue())));
    }

    private static void section(PrintWriter out, String title, Map<String, Object> values) {
        out.println(title + ":" + (values.isEmpty() ? " (none)" : ""));
        values.forEach((k, v) -> out.println("  " + dev.sluice.cli.render.TerminalText.safe(k) + ": "
                + Json.write(v)));
    }

    /** The SLUICE_V_n values, in script order. */
    private static Map<String, String> values(Map<String, String> env) {
        Map<String, String> out = new TreeMap<>((x, y) -> x.length() != y.length()
                ? Integer.compare(x.length(), y.length()) : x.compareTo(y));
        env.forEach((k, v) -> {
            if (k.startsWith(ShellCommand.PREFIX)) {
                out.put(k, v);
            }
        });
        return out;
    }

    static String kindName(TaskKind kind) {
        return kind instanceof TaskKind.Command ? "command" : kind instanceof TaskKind.Handler ? "handler"
                : kind instanceof TaskKind.Function ? "function" : "empty";
    }
}
