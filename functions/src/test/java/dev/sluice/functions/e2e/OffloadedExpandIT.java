package dev.sluice.functions.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.engine.DagRun;
import dev.sluice.engine.Json;
import dev.sluice.engine.TaskInstance;
import dev.sluice.infra.PayloadStore;
import dev.sluice.infra.testing.AwsEndpointExtension;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code expand_from} over an upstream output that the task runtime offloaded to S3 (it is above the 64 KB payload
 * threshold, so the stored output is a {@code $ref}): the coordinator loads it before expanding, and every mapped
 * instance gets its own item. End to end through sluice dev's machinery on the test endpoint (moto here).
 */
class OffloadedExpandIT {
    @RegisterExtension
    static final AwsEndpointExtension AWS = new AwsEndpointExtension();

    /**
     * 90 items of about 820 bytes: 74 KB, above the 64 KB threshold. Fewer than 100, so that the expanding decision
     * fits one DynamoDB transaction: a decision of more items is written in chunks, and a lost race on a later chunk
     * leaves instances queued that no one dispatches until their lease runs out (a store issue, tracked apart).
     */
    static final int ITEMS = 90;
    static final String PAD = "x".repeat(800);

    static DevStack stack;

    @BeforeAll
    static void start() {
        stack = new DevStack(AWS, DevStack.options());
        stack.host.start();
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    static String item(int i) {
        return String.format("item-%05d-", i) + PAD;
    }

    @Test
    void aMappedTaskExpandsOverAnOffloadedListAndEveryInstanceGetsItsItem() throws Exception {
        // The last stdout line is the output: a JSON array of 90 strings (about 74 KB).
        stack.putDag("fanout.yaml", """
                dag_id: big_fanout
                max_active_tasks: 64
                tasks:
                  - task_id: list_items
                    command: >-
                      awk 'BEGIN { pad = sprintf("%%800s", ""); gsub(/ /, "x", pad); printf "["; for (i = 0; i < %d; i++) printf "%%s\\"item-%%05d-%%s\\"", (i ? "," : ""), i, pad; print "]" }'
                  - {task_id: per_item, upstream: [list_items], expand_from: list_items,
                     handler: dev.sluice.functions.e2e.EchoItem}
                """.formatted(ITEMS));
        String runId = "big_fanout.manual__e2e";

        stack.sendMessage(DevEndToEndIT.trigger("big_fanout", runId, null));

        DagRun run = stack.awaitFinished(runId, Duration.ofMinutes(3));
        TaskInstance list = stack.instance(runId, "list_items");
        assertThat(list.state()).isEqualTo(TaskState.SUCCESS);
        assertThat(PayloadStore.referenceUri(list.outputJson())).as("the list is offloaded: the item keeps a $ref")
                .startsWith("s3://" + stack.bucket + "/payloads/");
        TaskInstance placeholder = stack.instance(runId, "per_item");
        assertThat(placeholder.error()).isNull();
        assertThat(placeholder.mapCount()).isEqualTo(ITEMS);
        assertThat(run.state()).isEqualTo(RunState.SUCCESS);

        Map<Integer, TaskInstance> mapped = new TreeMap<>();
        for (TaskInstance t : stack.store().instances(runId)) {
            if (t.taskId().equals("per_item") && t.mapIndex() >= 0) {
                mapped.put(t.mapIndex(), t);
            }
        }
        assertThat(mapped).hasSize(ITEMS);
        for (int i = 0; i < ITEMS; i++) {
            TaskInstance t = mapped.get(i);
            assertThat(t.state()).as("per_item[%d]", i).isEqualTo(TaskState.SUCCESS);
            assertThat(Json.toJava(t.itemJson())).as("per_item[%d] item", i).isEqualTo(item(i));
            assertThat(Json.toJava(t.outputJson())).as("per_item[%d] saw its item", i).isEqualTo(item(i));
        }
        List<String> payload = Json.MAPPER.readValue(stack.host.functions().payloads()
                .get(PayloadStore.referenceUri(list.outputJson())), Json.MAPPER.getTypeFactory()
                .constructCollectionType(List.class, String.class));
        assertThat(payload).hasSize(ITEMS).startsWith(item(0)).endsWith(item(ITEMS - 1));
    }
}
