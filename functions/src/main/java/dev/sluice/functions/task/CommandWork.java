package dev.sluice.functions.task;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.sluice.api.TaskContext;
import dev.sluice.engine.Json;
import dev.sluice.functions.message.TaskInvocation;
import dev.sluice.functions.message.TaskResult;
import dev.sluice.functions.obs.JsonLog;
import dev.sluice.output.LineCapture;
import dev.sluice.template.ShellCommand;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a rendered {@code command} with {@code /bin/sh -c SCRIPT} in the function's sandbox, its template values in
 * the environment ({@code SLUICE_V_1}, ...; the script references them and never contains them). Exit 0 = success (the last
 * non-empty stdout line is the output: JSON as is, anything else as a JSON string), 99 = skipped, 126/127 (cannot
 * run, not found) = failed for good, anything else = failed and retryable. Each output line is logged with the
 * task's correlation ids; on timeout the process and its children are killed.
 */
public final class CommandWork implements TaskWork {
    public static final int SKIP_EXIT_CODE = 99;
    private static final int MAX_LINE = 8192;

    /** The SLUICE_* variables of a command's environment besides its SLUICE_V_n values (docs/dag-spec.md). */
    public static Map<String, String> tryEnvironment(TaskContext ctx, String itemJson) {
        Map<String, String> env = new java.util.LinkedHashMap<>();
        env.put("SLUICE_DAG_ID", ctx.dagId());
        env.put("SLUICE_RUN_ID", ctx.runId());
        env.put("SLUICE_TASK_ID", ctx.taskId());
        env.put("SLUICE_TRY_NUMBER", Integer.toString(ctx.tryNumber()));
        env.put("SLUICE_MAX_TRIES", Integer.toString(ctx.maxTries()));
        env.put("SLUICE_MAP_INDEX", Integer.toString(ctx.mapIndex()));
        env.put("SLUICE_ITEM", ctx.item() == null ? "" : ctx.item() instanceof String s ? s : itemJson);
        env.put("SLUICE_LOGICAL_DATE", ctx.logicalDate().toString());
        env.put("SLUICE_DS", ctx.ds() == null ? "" : ctx.ds());
        return env;
    }

    @Override
    public TaskResult run(TaskInvocation inv, TaskContext ctx, Duration timeout, JsonLog log) {
        String command = inv.target();
        if (command == null || command.isBlank()) {
            return new TaskResult.Failed("the invocation has no command", false);
        }
        Map<String, String> env = new java.util.LinkedHashMap<>(inv.commandValues());
        env.putAll(tryEnvironment(ctx, inv.itemJson()));
        return run(command, inv.commandValues(), env, timeout, log);
    }

    /**
     * Runs {@code script} with {@code /bin/sh -c}, {@code values} (its {@code SLUICE_V_n} template values, logged)
     * and {@code env} (further variables) added to the environment: the path of tasks and of callback commands.
     */
    public TaskResult run(String script, Map<String, String> values, Map<String, String> env, Duration timeout,
                          JsonLog log) {
        String command = script;
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", command);
        Map<String, String> processEnv = pb.environment();
        processEnv.putAll(values);
        List<String> valueLines = ShellCommand.valueLines(processEnv);
        if (valueLines.isEmpty()) {
            log.info("task_command", "script", command);
        } else {
            log.info("task_command", "script", command, "values", String.join("\n", valueLines));
        }
        processEnv.putAll(env);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return new TaskResult.Failed("cannot start /bin/sh: " + e.getMessage(), false);
        }
        try {
            p.getOutputStream().close();
        } catch (IOException ignored) {
            // nothing to close
        }
        AtomicReference<LineCapture.Last> last = new AtomicReference<>();
        Thread out = pump(p.getInputStream(), log, "stdout", last);
        Thread err = pump(p.getErrorStream(), log, "stderr", null);
        boolean finished;
        try {
            finished = timeout == null ? waitFor(p) : p.waitFor(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            kill(p);
            Thread.currentThread().interrupt();
            return new TaskResult.Failed("interrupted", true);
        }
        if (!finished) {
            kill(p);
            return new TaskResult.TimedOut("the command ran longer than " + timeout.withNanos(0));
        }
        join(out);
        join(err);
        int code = p.exitValue();
        LineCapture.Last output = last.get();
        if (code == 0 && output != null && !output.complete()) {
            String message = LineCapture.tooLongMessage(output.bytes());
            log.warn("task_output_too_large", "bytes", output.bytes(), "limit", LineCapture.MAX_OUTPUT_BYTES,
                    "error", message);
            return new TaskResult.Failed(message, false);
        }
        if (code == 0) {
            return new TaskResult.Succeeded(outputOf(output == null ? null : output.text()));
        } else if (code == SKIP_EXIT_CODE) {
            return new TaskResult.Skipped("the command exited with " + SKIP_EXIT_CODE);
        }
        boolean retryable = code != 126 && code != 127;
        return new TaskResult.Failed("the command exited with " + code
                + (code == 127 ? " (command not found)" : code == 126 ? " (cannot execute)" : ""), retryable);
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper STRICT = new com.fasterxml.jackson.databind.ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** The last non-empty stdout line: kept when it is JSON, otherwise stored as a JSON string. */
    static String outputOf(String line) {
        if (line == null || line.isBlank()) {
            return null;
        }
        String t = line.strip();
        try {
            STRICT.readTree(t);
            return t;
        } catch (JsonProcessingException e) {
            return Json.write(t);
        }
    }

    private static boolean waitFor(Process p) throws InterruptedException {
        p.waitFor();
        return true;
    }

    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }

    private static void join(Thread t) {
        try {
            t.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Reads one stream with bounded memory (see {@link LineCapture}): each line is logged as one event holding at most
     * its first {@value #MAX_LINE} bytes, a longer line with its full size; {@code last} gets the last non-empty
     * line (stdout only).
     */
    private static Thread pump(InputStream in, JsonLog log, String stream, AtomicReference<LineCapture.Last> last) {
        int remembered = last == null ? 1 : LineCapture.MAX_OUTPUT_BYTES;
        LineCapture capture = new LineCapture(remembered, MAX_LINE, (b, off, len, at, end) -> {
            if (at == 0 && end) {
                log.info("task_output", "stream", stream, "line", new String(b, off, len, StandardCharsets.UTF_8));
            } else if (at == 0) {
                log.info("task_output", "stream", stream, "line", new String(b, off, len, StandardCharsets.UTF_8)
                        + "...", "cut", true);
            } else if (end) {
                log.info("task_output_line_end", "stream", stream, "bytes", at + len,
                        "note", "the line above was cut in the log at " + MAX_LINE + " bytes");
            }
        });
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    capture.accept(buf, 0, n);
                }
            } catch (IOException e) {
                log.warn("task_output_lost", "stream", stream, "error", e.getMessage());
            } finally {
                capture.end();
                if (last != null) {
                    last.set(capture.last());
                }
            }
        }, "sluice-" + stream);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
