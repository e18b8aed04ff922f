package dev.sluice.functions.task;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.engine.Json;
import dev.sluice.functions.message.TaskInvocation;
import dev.sluice.functions.message.TaskRef;
import dev.sluice.functions.message.TaskResult;
import dev.sluice.functions.obs.JsonLog;
import dev.sluice.model.TaskKind;
import dev.sluice.template.ShellCommand;
import dev.sluice.template.TemplateRenderer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A command's template values travel beside its script, in the invocation, and reach the shell as variables. */
class CommandWorkTest {
    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private final JsonLog log = new JsonLog(new PrintStream(logged, true, StandardCharsets.UTF_8), Clock.systemUTC());

    private static TaskInvocation invocation(ShellCommand command) {
        TaskRef ref = new TaskRef("d", "v1", "d.manual__1", "cmd", -1, 1);
        return TaskInvocation.builder().task(ref).kind(new TaskKind.Command(command.script()))
                .logicalDate(Instant.parse("2024-06-01T00:00:00Z"))
                .dataInterval(Instant.parse("2024-06-01T00:00:00Z"), Instant.parse("2024-06-02T00:00:00Z"))
                .ds("2024-06-01").paramsJson("{}").upstreamOutputsJson("{}").confJson("{}")
                .commandValues(command.values()).dispatchedAt(Instant.now())
                .build();
    }

    private TaskResult run(TaskInvocation inv) {
        LambdaTaskContext ctx = new LambdaTaskContext(inv, null, Map.of(), Map::of, log);
        return new CommandWork().run(inv, ctx, Duration.ofSeconds(10), log);
    }

    @Test
    void valuesSurviveTheInvocationJsonAndArriveByteExact() {
        String hostile = "$(echo pwned)`echo pwned`'\"\n;{{ 7*7 }} ü";
        ShellCommand command = new TemplateRenderer().renderCommand(
                "printf '%s' \"${NAME:-'{{ x }}'}\" >/dev/null; printf '%s' {{ x }} | od -An -tx1 | tr -d ' \\n'",
                Map.of("x", hostile));
        TaskInvocation inv = TaskInvocation.parse(invocation(command).toJson());
        assertThat(inv.target()).doesNotContain("pwned");
        assertThat(inv.commandValues()).containsEntry("SLUICE_V_1", hostile);

        TaskResult r = run(inv);

        StringBuilder hex = new StringBuilder();
        for (byte b : hostile.getBytes(StandardCharsets.UTF_8)) {
            hex.append(String.format("%02x", b & 0xff));
        }
        assertThat(r).isEqualTo(new TaskResult.Succeeded(Json.write(hex.toString())));
        assertThat(logged.toString(StandardCharsets.UTF_8)).contains("task_command").contains("SLUICE_V_1=");
    }
}
