package dev.sluice.spec;

import static dev.sluice.spec.SpecFixtures.valid;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.Dag;
import dev.sluice.model.TaskKind;
import dev.sluice.template.TemplateContext;
import dev.sluice.template.TemplateRenderer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A foreach item is data: its text is never evaluated as a template when the stamped-out task runs. */
class ForeachItemsAreDataTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {
            "{{ params.p | raw }}",
            "'{{ params.p | raw }}'",
            "\"{{ params.p | raw }}\"",
            "{{ params.p }}",
            "{% if true %}$(touch M){% endif %}",
            "x{{params.p|raw}}y; {# c #}",
    })
    void anItemThatLooksLikeATemplateArrivesAsItsOwnText(String itemText) throws Exception {
        String yaml = "dag_id: gen\n"
                + "params: {p: d}\n"
                + "tasks:\n"
                + "  - foreach: [" + yamlString(itemText) + "]\n"
                + "    tasks:\n"
                + "      - {task_id: t, command: \"printf '%s' {{ item }}; printf '|%s' \\\"{{ item }}\\\"\"}\n";
        Dag d = valid(yaml).dag();
        String template = ((TaskKind.Command) d.task("t").kind()).command();
        TemplateContext ctx = TemplateContext.builder().dagId("gen").runId("r").taskId("t")
                .logicalDate(Instant.parse("2024-01-01T00:00:00Z"))
                .dataInterval(Instant.parse("2024-01-01T00:00:00Z"), Instant.parse("2024-01-02T00:00:00Z"))
                .zone(ZoneOffset.UTC).params(Map.of("p", "$(touch M)`touch M`;touch M"))
                .conf(Map.of("p", "$(touch M)`touch M`;touch M")).build();
        String out;
        try {
            out = run(new TemplateRenderer().renderCommand(template, ctx));
        } catch (dev.sluice.template.TemplateException refused) {
            out = null; // refusing the item's text is fine as well; running it is not
        }
        assertThat(dir.resolve("M")).as("the marker a template in the item would create").doesNotExist();
        if (out != null) {
            assertThat(out).isEqualTo(itemText + "|" + itemText);
        }
    }

    @org.junit.jupiter.api.Test
    void rawPastesAnItemsTextAsShellButNeverEvaluatesItAsATemplate() {
        Dag d = valid("""
                dag_id: gen
                params: {p: d}
                tasks:
                  - foreach: [{name: a, text: "{{ params.p }}"}, {name: b, text: "{{ 7 * 7 }}"}]
                    tasks:
                      - {task_id: "t_{{ item }}", command: "echo {{ item.text | raw }}"}
                """).dag();
        TemplateContext ctx = TemplateContext.builder().dagId("gen").runId("r").taskId("t_a")
                .logicalDate(Instant.parse("2024-01-01T00:00:00Z"))
                .dataInterval(Instant.parse("2024-01-01T00:00:00Z"), Instant.parse("2024-01-02T00:00:00Z"))
                .zone(ZoneOffset.UTC).params(Map.of("p", "$(touch M)")).conf(Map.of()).build();
        TemplateRenderer r = new TemplateRenderer();
        assertThat(r.renderCommand(((TaskKind.Command) d.task("t_a").kind()).command(), ctx).script())
                .isEqualTo("echo {{ params.p }}");
        assertThat(r.renderCommand(((TaskKind.Command) d.task("t_b").kind()).command(), ctx).script())
                .isEqualTo("echo {{ 7 * 7 }}");
    }

    private static String yamlString(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private String run(dev.sluice.template.ShellCommand command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", command.script()).directory(dir.toFile());
        pb.environment().putAll(command.values());
        Process p = pb.redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(20, TimeUnit.SECONDS);
        return out;
    }
}
