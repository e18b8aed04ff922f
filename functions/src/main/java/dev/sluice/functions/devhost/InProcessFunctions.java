package dev.sluice.functions.devhost;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.engine.Json;
import dev.sluice.functions.task.FunctionInvoker;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Lambda's synchronous invoke for {@code function:} tasks in {@code sluice dev}: a function hosted in this process
 * runs on the caller's thread with the exact request payload, and answers as Lambda would (a handler that throws gives
 * function error {@code Unhandled} with Lambda's {@code errorMessage}/{@code errorType} object). Any other name goes
 * to {@code fallback}: the SDK against the configured endpoint, so {@code sluice dev} against AWS calls real functions.
 */
public final class InProcessFunctions implements FunctionInvoker {
    private final Map<String, RequestStreamHandler> hosted;
    private final Supplier<FunctionInvoker> fallback;

    public InProcessFunctions(Map<String, RequestStreamHandler> hosted, Supplier<FunctionInvoker> fallback) {
        this.hosted = Map.copyOf(hosted);
        this.fallback = fallback;
    }

    @Override
    public Response invoke(String function, String payloadJson, Duration timeout) {
        RequestStreamHandler handler = hosted.get(function);
        if (handler == null) {
            return fallback.get().invoke(function, payloadJson, timeout);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            handler.handleRequest(new ByteArrayInputStream(payloadJson.getBytes(StandardCharsets.UTF_8)), out,
                    new DevContext(function, timeout == null ? Duration.ofMinutes(15).toMillis() : timeout.toMillis()));
        } catch (Exception e) {
            ObjectNode error = Json.MAPPER.createObjectNode();
            error.put("errorMessage", e.getMessage() == null ? e.toString() : e.getMessage());
            error.put("errorType", e.getClass().getName());
            error.putArray("stackTrace");
            return new Response(error.toString(), "Unhandled");
        }
        return new Response(out.toString(StandardCharsets.UTF_8), null);
    }
}
