package dev.sluice.functions.task;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.api.TaskContext;
import dev.sluice.engine.Json;
import dev.sluice.functions.message.TaskInvocation;
import dev.sluice.functions.message.TaskResult;
import dev.sluice.functions.obs.JsonLog;
import dev.sluice.infra.DispatchException;
import dev.sluice.infra.PayloadStore;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Runs a {@code function:} task: invokes the named Lambda function synchronously with the try's context as a JSON
 * object (see {@link #request}) and turns its answer into the try's result.
 * <ul>
 *   <li>A response without a function error succeeds; the response body (JSON) is the output. A body that is not
 *       JSON is kept as a JSON string; an empty body or {@code null} is no output.</li>
 *   <li>A function error fails the try. It is retryable unless the error's {@code errorType} (its last
 *       {@code .}-separated part) is {@code NonRetryableTaskException}; an {@code errorType} of {@code SkipTask} skips
 *       the task. These are the names of the Java API's exceptions, so a Python function can raise its own
 *       {@code class NonRetryableTaskException(Exception)}.</li>
 *   <li>An invoke that fails says whether to retry: throttling and service errors are retryable; a missing
 *       function, a denied call or a too-large request are not.</li>
 *   <li>A request above Lambda's 6 MB synchronous limit is refused before the call, not retried.</li>
 * </ul>
 */
public final class FunctionWork implements TaskWork {
    /** Lambda's limit for a synchronous request (and response) payload. */
    public static final int MAX_REQUEST_BYTES = 6 * 1024 * 1024;

    private static final ObjectMapper STRICT = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final Supplier<FunctionInvoker> invoker;

    /** @param invoker built on the first {@code function:} task, so the runner's cold start does not pay for it */
    public FunctionWork(Supplier<FunctionInvoker> invoker) {
        this.invoker = invoker;
    }

    @Override
    public TaskResult run(TaskInvocation inv, TaskContext ctx, Duration timeout, JsonLog log) {
        String function = inv.target();
        if (function == null || function.isBlank()) {
            return new TaskResult.Failed("the invocation names no function", false);
        }
        String payload = request(inv, ctx);
        int bytes = PayloadStore.utf8Length(payload);
        if (bytes > MAX_REQUEST_BYTES) {
            return new TaskResult.Failed("the request for function " + function + " is " + bytes + " bytes, more than"
                    + " Lambda's " + MAX_REQUEST_BYTES + "-byte limit for a synchronous invocation (mostly upstream"
                    + " outputs and params); pass large data by reference, e.g. an S3 key", false);
        }
        log.info("function_invoking", "function", function, "requestBytes", bytes);
        CompletableFuture<FunctionInvoker.Response> call = CompletableFuture.supplyAsync(
                () -> invoker.get().invoke(function, payload, timeout), r -> {
                    Thread t = new Thread(r, "sluice-function-" + inv.task().taskId());
                    t.setDaemon(true);
                    t.start();
                });
        FunctionInvoker.Response response;
        try {
            response = timeout == null ? call.get() : call.get(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            call.cancel(true);
            return new TaskResult.TimedOut("function " + function + " did not answer within " + timeout.withNanos(0)
                    + (inv.deadline() != null ? " (deadline " + inv.deadline() + ")" : " (the runner's time limit)")
                    + "; it may still be running in Lambda");
        } catch (InterruptedException e) {
            call.cancel(true);
            Thread.currentThread().interrupt();
            return new TaskResult.Failed("interrupted while waiting for function " + function, true);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof DispatchException d) {
                return new TaskResult.Failed("could not invoke function " + function + ": " + d.getMessage(),
                        d.isRetryable());
            }
            return new TaskResult.Failed("could not invoke function " + function + ": " + cause, true);
        }
        return result(function, response, log);
    }

    static TaskResult result(String function, FunctionInvoker.Response response, JsonLog log) {
        if (response.failed()) {
            JsonNode error = parse(response.payload());
            String type = error == null ? "" : error.path("errorType").asText("");
            String message = error == null ? abbreviate(response.payload())
                    : error.path("errorMessage").asText(abbreviate(response.payload()));
            String simple = type.substring(Math.max(type.lastIndexOf('.'), type.lastIndexOf('$')) + 1);
            log.error("function_error", "function", function, "functionError", response.functionError(),
                    "errorType", type, "error", message);
            if (simple.equals("SkipTask")) {
                return new TaskResult.Skipped(message);
            }
            boolean retryable = !simple.equals("NonRetryableTaskException");
            return new TaskResult.Failed("function " + function + " failed (" + response.functionError() + ")"
                    + (type.isEmpty() ? "" : " " + type) + ": " + message, retryable);
        }
        return new TaskResult.Succeeded(output(response.payload()));
    }

    /**
     * The JSON object a function receives: {@code dag_id, run_id, task_id, map_index, try_number, max_tries,
     * logical_date, data_interval_start, data_interval_end, ds, params, conf, upstream_outputs}, and {@code item}
     * for a mapped instance. Upstream outputs are the values themselves (offloaded ones are loaded).
     */
    static String request(TaskInvocation inv, TaskContext ctx) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dag_id", ctx.dagId());
        m.put("run_id", ctx.runId());
        m.put("task_id", ctx.taskId());
        m.put("map_index", ctx.mapIndex());
        m.put("try_number", ctx.tryNumber());
        m.put("max_tries", ctx.maxTries());
        m.put("logical_date", str(ctx.logicalDate()));
        m.put("data_interval_start", str(ctx.dataIntervalStart()));
        m.put("data_interval_end", str(ctx.dataIntervalEnd()));
        m.put("ds", ctx.ds());
        m.put("params", ctx.params());
        m.put("conf", inv.confJson() == null ? Map.of() : Json.toJava(inv.confJson()));
        m.put("upstream_outputs", ctx.upstreamOutputs());
        if (ctx.mapIndex() >= 0) {
            m.put("item", ctx.item());
        }
        return Json.write(m);
    }

    /** The output JSON of a successful response: JSON as is, other text as a JSON string, nothing as null. */
    static String output(String payload) {
        if (payload == null || payload.isBlank()) {
            return null;
        }
        String t = payload.strip();
        try {
            JsonNode n = STRICT.readTree(t);
            return n == null || n.isNull() ? null : t;
        } catch (JsonProcessingException e) {
            return Json.write(t);
        }
    }

    private static JsonNode parse(String payload) {
        if (payload == null || payload.isBlank()) {
            return null;
        }
        try {
            JsonNode n = STRICT.readTree(payload);
            return n != null && n.isObject() ? n : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private static String abbreviate(String s) {
        if (s == null) {
            return "(no error payload)";
        }
        return s.length() <= 2000 ? s : s.substring(0, 2000) + "...";
    }

    private static String str(Object o) {
        return o == null ? null : o.toString();
    }
}
