package dev.sluice.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.engine.DagRun;
import dev.sluice.engine.Decision;
import dev.sluice.engine.Engine;
import dev.sluice.engine.EngineOptions;
import dev.sluice.engine.Event;
import dev.sluice.engine.Notification;
import dev.sluice.engine.RunType;
import dev.sluice.engine.TaskInstance;
import dev.sluice.engine.TaskKey;
import dev.sluice.engine.testing.RunDriver;
import dev.sluice.model.Dag;
import dev.sluice.model.DagBuilder;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import dev.sluice.store.InMemoryStateStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Oversized inputs in the engine: an expansion over more than {@link Engine#MAX_MAP_ITEMS} items fails its task
 * with a clear error and the run still ends; one of exactly the limit is handled with bounded dispatches per
 * decision; a 5 MB task output is kept as it is (the DynamoDB adapter offloads it to S3: PayloadOffloadIT).
 */
class OversizedPayloadTest {

    @Test
    void anExpansionFromAnUpstreamOverTheLimitFailsClearly() {
        Dag dag = DagBuilder.dag("big").task("list", t -> t.command("x"))
                .task("each", t -> t.command("x").upstream("list").expandFrom("list"))
                .task("after", t -> t.command("x").upstream("each").triggerRule(dev.sluice.model.TriggerRule.ALL_DONE))
                .build();
        RunDriver d = new RunDriver(dag);
        d.start("r1");
        StringBuilder huge = new StringBuilder("[");
        for (int i = 0; i <= Engine.MAX_MAP_ITEMS; i++) {
            huge.append(i == 0 ? "" : ",").append(i);
        }
        String items = huge.append(']').toString();
        DagRun run = d.runToEnd("r1", x -> x.task().taskId().equals("list")
                ? new Event.TaskSucceeded(x.task(), x.tryNumber(), items)
                : new Event.TaskSucceeded(x.task(), x.tryNumber(), null));
        TaskInstance each = d.instance("r1", "each");
        assertThat(each.state()).isEqualTo(TaskState.FAILED);
        assertThat(each.error()).contains("100001 items is more than the limit of 100000");
        // the leaf is all_done, so the run ends by Airflow's rule: from its leaves
        assertThat(d.instance("r1", "after").state()).isEqualTo(TaskState.SUCCESS);
        assertThat(run.state()).isEqualTo(RunState.SUCCESS);
    }

    @Test
    void aStaticExpansionOverTheLimitFailsClearly() {
        List<Object> items = new ArrayList<>();
        for (int i = 0; i <= Engine.MAX_MAP_ITEMS; i++) {
            items.add(i);
        }
        Dag dag = DagBuilder.dag("big").task("each", t -> t.command("x").expand(items)).build();
        RunDriver d = new RunDriver(dag);
        d.start("r1");
        assertThat(d.instance("r1", "each").state()).isEqualTo(TaskState.FAILED);
        assertThat(d.instance("r1", "each").error()).contains("more than the limit of 100000");
        assertThat(d.store().run("r1").orElseThrow().state()).isEqualTo(RunState.FAILED);
    }

    @Test
    void anExpansionOfExactlyTheLimitDispatchesInBoundedSteps() {
        List<Object> items = new ArrayList<>();
        for (int i = 0; i < Engine.MAX_MAP_ITEMS; i++) {
            items.add("item" + i);
        }
        Dag dag = DagBuilder.dag("big").maxActiveTasks(1_000).task("each", t -> t.command("x").expand(items)).build();
        Engine engine = new Engine(dag, EngineOptions.builder().maxDispatchesPerDecision(25).build());
        InMemoryStateStore store = new InMemoryStateStore();
        Instant now = Instant.parse("2024-01-01T00:00:00Z");
        Decision d = engine.decide(store.view(dag, "r1"), new Event.RunRequested("r1", RunType.MANUAL, now, now, now,
                null, "v1"), now, new Random(1));
        store.apply(d);
        assertThat(d.dispatches()).hasSize(25);
        assertThat(d.notifications()).anyMatch(n -> n instanceof Notification.MoreReady);
        assertThat(store.view(dag, "r1").instance(new TaskKey("each", Engine.MAX_MAP_ITEMS - 1)).itemJson())
                .isEqualTo("\"item99999\"");
        Decision more = engine.decide(store.view(dag, "r1"), new Event.Tick(), now, new Random(1));
        assertThat(more.dispatches()).hasSize(25);
    }

    @Test
    void aFiveMegabyteOutputIsKeptWhole() {
        Dag dag = DagBuilder.dag("big").task("a", t -> t.command("x"))
                .task("b", t -> t.command("x").upstream("a")).build();
        RunDriver d = new RunDriver(dag);
        d.start("r1");
        String big = "\"" + "x".repeat(5 * 1024 * 1024) + "\"";
        DagRun run = d.runToEnd("r1", x -> new Event.TaskSucceeded(x.task(), x.tryNumber(),
                x.task().taskId().equals("a") ? big : null));
        assertThat(run.state()).isEqualTo(RunState.SUCCESS);
        assertThat(d.instance("r1", "a").outputJson()).hasSize(big.length());
    }
}
