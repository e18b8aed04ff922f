package dev.sluice.functions.devhost;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.engine.Json;
import dev.sluice.functions.dispatch.Dispatcher;
import dev.sluice.infra.DispatchException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;
import java.util.function.Consumer;

/**
 * Lambda's asynchronous invoke, in this process: the function's handler runs on a worker thread with the exact
 * payload Lambda would pass, and a handler that throws produces the same OnFailure destination record Lambda sends
 * (condition RetriesExhausted, the payload as requestPayload, the error as responsePayload) through
 * {@code onFailure}, which {@code sluice dev} points at the coordinator queue.
 *
 * <p>The invocation joins the caller's chain ({@link Lineage}): what it sends carries the lineage with this
 * function counted once more, and {@code admit} may stop it first, as Lambda's recursive loop detection does; a
 * stopped invocation goes to the OnFailure destination.
 */
public final class InProcessInvoker implements Dispatcher, AutoCloseable {
    private final Map<String, RequestStreamHandler> functions;
    private final BiConsumer<String, String> onFailure;
    private final Duration functionTimeout;
    private final ExecutorService workers;
    private final AtomicInteger running = new AtomicInteger();
    private final BiPredicate<String, Lineage> admit;

    public InProcessInvoker(Map<String, RequestStreamHandler> functions, Consumer<String> onFailure,
                            Duration functionTimeout, int threads) {
        this(functions, (function, record) -> onFailure.accept(record), functionTimeout, threads, (f, l) -> true);
    }

    /**
     * @param onFailure takes the failed function's name and the destination record
     * @param admit whether a function may run as this invocation of its chain (false: Lambda stops it)
     */
    public InProcessInvoker(Map<String, RequestStreamHandler> functions, BiConsumer<String, String> onFailure,
                            Duration functionTimeout, int threads, BiPredicate<String, Lineage> admit) {
        this.admit = admit;
        this.functions = Map.copyOf(functions);
        this.onFailure = onFailure;
        this.functionTimeout = functionTimeout;
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "sluice-dev-function-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void invoke(String function, String payloadJson) {
        RequestStreamHandler handler = functions.get(function);
        if (handler == null) {
            throw new DispatchException("no function named " + function + " in this sluice dev process (known: "
                    + String.join(", ", functions.keySet()) + ")", false, null);
        }
        Lineage caller = Lineage.current();
        Lineage chain = (caller == null ? Lineage.start() : caller).plus(function);
        running.incrementAndGet();
        workers.execute(() -> Lineage.within(chain, () -> {
            try {
                if (!admit.test(function, chain)) {
                    onFailure.accept(function, destinationRecord(function, payloadJson, new RecursiveInvocationException(
                            "Lambda stopped " + function + ": a recursive loop (invocation " + chain.count(function)
                                    + " in one chain, more than " + RecursiveLoop.MAX_INVOCATIONS + ")")));
                    return;
                }
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                handler.handleRequest(new ByteArrayInputStream(payloadJson.getBytes(StandardCharsets.UTF_8)), out,
                        new DevContext(function, functionTimeout.toMillis()));
            } catch (Throwable e) {
                onFailure.accept(function, destinationRecord(function, payloadJson, e));
            } finally {
                running.decrementAndGet();
            }
        }));
    }

    /** Lambda's error for an invocation it stopped as part of a recursive loop. */
    static final class RecursiveInvocationException extends RuntimeException {
        RecursiveInvocationException(String message) {
            super(message);
        }
    }

    /** Invocations accepted and not yet finished. */
    public int running() {
        return running.get();
    }

    /** The OnFailure destination record Lambda writes for a failed asynchronous invocation. */
    static String destinationRecord(String function, String payloadJson, Throwable e) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("version", "1.0");
        n.put("timestamp", Instant.now().toString());
        ObjectNode ctx = n.putObject("requestContext");
        ctx.put("requestId", UUID.randomUUID().toString());
        ctx.put("functionArn", "arn:aws:lambda:us-east-1:000000000000:function:" + function + ":$LATEST");
        ctx.put("condition", "RetriesExhausted");
        ctx.put("approximateInvokeCount", 1);
        n.set("requestPayload", Json.read(payloadJson));
        ObjectNode rc = n.putObject("responseContext");
        rc.put("statusCode", 200);
        rc.put("executedVersion", "$LATEST");
        rc.put("functionError", "Unhandled");
        ObjectNode rp = n.putObject("responsePayload");
        rp.put("errorMessage", e.getMessage() == null ? e.toString() : e.getMessage());
        rp.put("errorType", e.getClass().getName());
        rp.putArray("stackTrace");
        return n.toString();
    }

    @Override
    public void close() {
        workers.shutdown();
        try {
            if (!workers.awaitTermination(10, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
