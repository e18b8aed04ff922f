package dev.sluice.functions.support;

import dev.sluice.functions.Coordinator;
import dev.sluice.functions.CoordinatorHandler;
import dev.sluice.functions.dags.DagRegistry;
import dev.sluice.functions.dispatch.FunctionRouter;
import dev.sluice.functions.obs.JsonLog;
import dev.sluice.functions.obs.Metrics;
import dev.sluice.store.InMemoryStateStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.SplittableRandom;

/** A coordinator over an in-memory store, recording its dispatches and messages; logs captured as text. */
public final class TestCoordinator {
    public static final String TICK = "{\"source\":\"sluice.tick\"}";
    public final InMemoryStateStore store = new InMemoryStateStore();
    public final MapDagSource dags = new MapDagSource();
    public final Recorders.RecordingDispatcher dispatcher = new Recorders.RecordingDispatcher();
    public final Recorders.RecordingQueue queue = new Recorders.RecordingQueue();
    public final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    public final JsonLog log;
    public final Metrics metrics;
    public final DagRegistry registry;
    public final Coordinator coordinator;
    public final CoordinatorHandler handler;

    public TestCoordinator(Instant now) {
        this(Clock.fixed(now, ZoneOffset.UTC), false);
    }

    /**
     * @param overdueScan whether the tick finds overdue tries (the in-memory store has no deadline index: this
     *                    scans every run's instances, as the DynamoDB store's index would answer)
     */
    public TestCoordinator(Clock clock, boolean overdueScan) {
        PrintStream out = new PrintStream(logBytes, true, StandardCharsets.UTF_8);
        log = new JsonLog(out, clock);
        metrics = new Metrics(out, clock);
        registry = new DagRegistry(store, dags, clock, Duration.ZERO, log);
        coordinator = new Coordinator(store, registry, dispatcher,
                new FunctionRouter("task-fn", "command-fn"), queue, null, clock,
                new SplittableRandom(7), log, metrics, Coordinator.Settings.defaults(),
                overdueScan ? this::overdue : null);
        handler = new CoordinatorHandler(coordinator, log, metrics);
    }

    private java.util.List<dev.sluice.engine.TaskInstance> overdue(Instant before, int limit) {
        return store.runs(null, 10_000).stream().flatMap(r -> store.instances(r.runId()).stream())
                .filter(t -> t.state().isActive() && t.deadline() != null && t.deadline().isBefore(before))
                .sorted(java.util.Comparator.comparing(dev.sluice.engine.TaskInstance::deadline)).limit(limit)
                .toList();
    }

    public String invoke(String eventJson) {
        return invoke(eventJson, new dev.sluice.functions.devhost.DevContext("coordinator", 60_000));
    }

    /** Delivers an event with the given Lambda context (tests bound the remaining time with it). */
    public String invoke(String eventJson, com.amazonaws.services.lambda.runtime.Context context) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            handler.handleRequest(new ByteArrayInputStream(eventJson.getBytes(StandardCharsets.UTF_8)), out,
                    context);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    public String logs() {
        return logBytes.toString(StandardCharsets.UTF_8);
    }
}
