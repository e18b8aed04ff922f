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
        Clock clock = Clock.fixed(now, ZoneOffset.UTC);
        PrintStream out = new PrintStream(logBytes, true, StandardCharsets.UTF_8);
        log = new JsonLog(out, clock);
        metrics = new Metrics(out, clock);
        registry = new DagRegistry(store, dags, clock, Duration.ZERO, log);
        coordinator = new Coordinator(store, registry, dispatcher,
                new FunctionRouter("task-fn", "command-fn"), queue, null, clock,
                new SplittableRandom(7), log, metrics, Coordinator.Settings.defaults(), null);
        handler = new CoordinatorHandler(coordinator, log, metrics);
    }

    public String invoke(String eventJson) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            handler.handleRequest(new ByteArrayInputStream(eventJson.getBytes(StandardCharsets.UTF_8)), out,
                    new dev.sluice.functions.devhost.DevContext("coordinator", 60_000));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    public String logs() {
        return logBytes.toString(StandardCharsets.UTF_8);
    }
}
