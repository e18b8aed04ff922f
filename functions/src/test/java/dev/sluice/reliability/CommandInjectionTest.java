package dev.sluice.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.engine.Json;
import dev.sluice.functions.support.Fixtures;
import dev.sluice.functions.support.Recorders;
import dev.sluice.functions.support.TestCoordinator;
import dev.sluice.functions.task.CommandWork;
import dev.sluice.functions.task.TaskRuntime;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shell injection, end to end through the Lambda path: a trigger's conf values (an S3 run's conf carries the object
 * key the same way) and mapped items built to break out of a command reach the command runner as plain data, through
 * the rendering of {@code command} (values as SLUICE_V_n variables, never script text) and through SLUICE_ITEM. The coordinator renders, the task
 * runtime claims and runs {@link CommandWork}; no marker file appears, and the task sees the exact bytes.
 */
class CommandInjectionTest {
    static final Instant NOW = Instant.parse("2024-03-05T02:01:00Z");

    @TempDir
    Path dir;

    static List<String> payloads(Path marks) {
        String m = marks.toString();
        return List.of("$(touch " + m + "/p1)", "`touch " + m + "/p2`", "; touch " + m + "/p3", "' ; touch " + m
                + "/p4 ; '", "\" ; touch " + m + "/p5 ; \"", "'\"", "a && touch " + m + "/p6", "| touch " + m + "/p7",
                "$HOME ${PATH} \\n \\\\ %s %n", "x\ntouch " + m + "/p8", "日本 \uD83D\uDE00 tab\there");
    }

    @Test
    void hostileConfValuesKeysAndItemsReachTheCommandAsData() throws IOException {
        Path out = Files.createDirectories(dir.resolve("out"));
        Path marks = Files.createDirectories(dir.resolve("marks"));
        List<String> hostile = payloads(marks);
        String o = out.toString();
        ObjectNode dag = Json.MAPPER.createObjectNode().put("dag_id", "inj");
        var tasks = dag.putArray("tasks");
        tasks.addObject().put("task_id", "items").put("command", "printf '%s' {{ item }} > " + o
                + "/item_$SLUICE_MAP_INDEX; printf '%s' \"$SLUICE_ITEM\" > " + o + "/env_$SLUICE_MAP_INDEX")
                .set("expand", Json.MAPPER.valueToTree(hostile));
        tasks.addObject().put("task_id", "conf").put("command", "printf '%s' {{ conf.x }} > " + o + "/conf_x; "
                + "printf '%s' {{ conf.key }} > " + o + "/conf_key");
        TestCoordinator t = new TestCoordinator(NOW);
        t.dags.put("dags/inj.json", dag.toString());
        String key = "raw/" + hostile.get(0) + "/" + hostile.get(3) + ".csv";
        ObjectNode trigger = Json.MAPPER.createObjectNode().put("type", "trigger").put("dagId", "inj")
                .put("runId", "inj.manual__1");
        trigger.putObject("conf").put("x", String.join(" ", hostile)).put("key", key);
        String response = t.invoke(Fixtures.sqsBatch(trigger.toString()));
        assertThat(Json.read(response).get("batchItemFailures")).as(t.logs()).isEmpty();

        TaskRuntime runtime = new TaskRuntime(t.store, t.registry, t.queue, null, Clock.fixed(NOW, ZoneOffset.UTC),
                new SplittableRandom(1), t.log, t.metrics);
        List<Recorders.Invocation> invocations = new ArrayList<>(t.dispatcher.invocations);
        assertThat(invocations).hasSize(hostile.size() + 1);
        for (Recorders.Invocation inv : invocations) {
            String status = runtime.handle(inv.json(), null, new CommandWork());
            assertThat(status).as("%s: %s", inv.invocation().task(), t.logs()).contains("success");
        }

        try (Stream<Path> planted = Files.list(marks)) {
            assertThat(planted).as("marker files: something executed").isEmpty();
        }
        for (int i = 0; i < hostile.size(); i++) {
            assertThat(read(out.resolve("item_" + i))).as("templated item %d", i).isEqualTo(hostile.get(i));
            assertThat(read(out.resolve("env_" + i))).as("SLUICE_ITEM %d", i).isEqualTo(hostile.get(i));
        }
        assertThat(read(out.resolve("conf_x"))).isEqualTo(String.join(" ", hostile));
        assertThat(read(out.resolve("conf_key"))).isEqualTo(key);
    }

    private static String read(Path p) throws IOException {
        return Files.readString(p, StandardCharsets.UTF_8);
    }
}
