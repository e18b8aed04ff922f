package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.NonRetryableTaskException;
import dev.sluice.api.SkipTask;
import dev.sluice.api.Task;
import dev.sluice.api.TaskContext;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The one classification of what a handler returned or threw, row by row (both runtimes use it). */
class HandlerOutcomeTest {

    /** An object Jackson cannot write: it has no properties. */
    static final class Opaque {
    }

    static Stream<Arguments> table() {
        Exception boom = new IllegalStateException("disk full");
        return Stream.of(
                row("a map", ctx -> Map.of("rows", 3), new HandlerOutcome.Succeeded("{\"rows\":3}")),
                row("a string", ctx -> "a,b", new HandlerOutcome.Succeeded("\"a,b\"")),
                row("a list (branch ids)", ctx -> List.of("a", "b"), new HandlerOutcome.Succeeded("[\"a\",\"b\"]")),
                row("a number", ctx -> 42, new HandlerOutcome.Succeeded("42")),
                row("null", ctx -> null, new HandlerOutcome.Succeeded(null)),
                row("the context's own values", ctx -> ctx.ds() + "/" + ctx.tryNumber(),
                        new HandlerOutcome.Succeeded("\"2024-01-01/2\"")),
                row("an unwritable value", ctx -> new Opaque(), new HandlerOutcome.Failed(
                        "the handler's return value cannot be written as JSON (" + Opaque.class.getName() + "): "
                                + "No serializer found for class " + Opaque.class.getName()
                                + " and no properties discovered to create BeanSerializer (to avoid exception, "
                                + "disable SerializationFeature.FAIL_ON_EMPTY_BEANS)", false, null)),
                row("SkipTask", ctx -> {
                    throw new SkipTask("dry run");
                }, new HandlerOutcome.Skipped("dry run")),
                row("NonRetryableTaskException", ctx -> {
                    throw new NonRetryableTaskException("bad input");
                }, new HandlerOutcome.Failed("NonRetryableTaskException: bad input", false, null)),
                row("a runtime exception", ctx -> {
                    throw boom;
                }, new HandlerOutcome.Failed("IllegalStateException: disk full", true, boom)),
                row("a checked exception without a message", ctx -> {
                    throw new java.io.IOException();
                }, new HandlerOutcome.Failed("java.io.IOException", true, null)),
                row("an error", ctx -> {
                    throw new OutOfMemoryError("heap");
                }, new HandlerOutcome.Failed("OutOfMemoryError: heap", true, null)));
    }

    private static Arguments row(String what, Task task, HandlerOutcome expected) {
        return Arguments.of(what, task, expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void classifies(String what, Task task, HandlerOutcome expected) {
        HandlerOutcome got = HandlerOutcome.of(task, CONTEXT);
        if (expected instanceof HandlerOutcome.Failed f && got instanceof HandlerOutcome.Failed g) {
            assertThat(g.error()).isEqualTo(f.error());
            assertThat(g.retryable()).isEqualTo(f.retryable());
            if (f.cause() != null) {
                assertThat(g.cause()).isSameAs(f.cause());
            }
            // what the handler threw travels along for the log; an unwritable value has nothing to show
            assertThat(g.cause() == null).isEqualTo(f.error().startsWith("the handler's return value"));
        } else {
            assertThat(got).isEqualTo(expected);
        }
    }

    private static final TaskContext CONTEXT = new TaskContext() {
        public String dagId() { return "d"; }
        public String runId() { return "manual__2024-01-01T00:00:00Z"; }
        public String taskId() { return "t"; }
        public int mapIndex() { return -1; }
        public Object item() { return null; }
        public int tryNumber() { return 2; }
        public int maxTries() { return 3; }
        public Instant logicalDate() { return Instant.parse("2024-01-01T00:00:00Z"); }
        public Instant dataIntervalStart() { return logicalDate(); }
        public Instant dataIntervalEnd() { return logicalDate(); }
        public String ds() { return "2024-01-01"; }
        public Map<String, Object> params() { return Map.of(); }
        public Map<String, Object> upstreamOutputs() { return Map.of(); }
        public void log(String message) { }
    };
}
