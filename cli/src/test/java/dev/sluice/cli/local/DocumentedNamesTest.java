package dev.sluice.cli.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.cli.exec.Attempt;
import dev.sluice.engine.Decision;
import dev.sluice.engine.Dispatch;
import dev.sluice.engine.Engine;
import dev.sluice.engine.EngineOptions;
import dev.sluice.engine.Event;
import dev.sluice.engine.RunType;
import dev.sluice.functions.task.CommandWork;
import dev.sluice.model.Dag;
import dev.sluice.schedule.RunIds;
import dev.sluice.spec.DagLoader;
import dev.sluice.store.InMemoryStateStore;
import dev.sluice.template.TemplateContext;
import dev.sluice.template.TemplateRenderer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/dag-spec.md names exactly the template variables and the command environment that the code provides, both
 * ways: a name the code gives and the doc omits fails, and so does a name the doc promises and the code lacks.
 * The run ids it shows are the ones {@link RunIds} makes.
 */
class DocumentedNamesTest {
    private static final Instant NOW = Instant.parse("2024-03-04T10:00:00Z");

    @TempDir
    Path logs;

    static String templatingSection() throws IOException {
        Path p = Path.of("").toAbsolutePath();
        while (!Files.exists(p.resolve("docs/dag-spec.md"))) {
            p = p.getParent();
        }
        String doc = Files.readString(p.resolve("docs/dag-spec.md"));
        int start = doc.indexOf("\n## Templating");
        int end = doc.indexOf("\n## ", start + 1);
        assertThat(start).as("docs/dag-spec.md has a Templating section").isPositive();
        return doc.substring(start, end < 0 ? doc.length() : end);
    }

    /** The names in the first column of the table whose header row starts with {@code header}. */
    static Set<String> firstColumn(String section, String header) {
        int at = section.indexOf("| " + header + " |");
        assertThat(at).as("a table headed '" + header + "'").isNotNegative();
        Set<String> names = new LinkedHashSet<>();
        for (String line : section.substring(at).split("\n")) {
            if (!line.startsWith("|")) {
                break;
            }
            String first = line.split("\\|")[1];
            Matcher m = Pattern.compile("`([A-Za-z_][A-Za-z0-9_]*)").matcher(first);
            while (m.find()) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    @Test
    void theTemplateVariablesTableListsExactlyWhatTemplatesSee() throws IOException {
        TemplateContext mapped = TemplateContext.builder().dagId("d").runId("r").taskId("t")
                .logicalDate(NOW).mapIndex(0).item("x").build();
        Set<String> documented = firstColumn(templatingSection(), "Variable");

        assertThat(new TreeSet<>(documented)).isEqualTo(new TreeSet<>(mapped.variables().keySet()));
    }

    @Test
    void theEnvironmentTableListsExactlyWhatACommandGetsLocallyAndOnAws() throws IOException {
        Dag dag = DagLoader.loadString("""
                dag_id: envs
                tasks:
                  - {task_id: each, expand: [a], command: "echo {{ item }}"}
                """, "envs.yaml").dag();
        InMemoryStateStore store = new InMemoryStateStore();
        Engine engine = new Engine(dag, EngineOptions.builder().build());
        Decision d = engine.decide(store.view(dag, "envs.manual__x"), new Event.RunRequested("envs.manual__x",
                RunType.MANUAL, NOW, NOW, NOW, null, "v1"), NOW, new Random(1));
        store.apply(d);
        Dispatch x = d.dispatches().get(0);
        Attempt attempt = new AttemptFactory(dag, store, logs, new TemplateRenderer())
                .build(store.run("envs.manual__x").orElseThrow(), x);

        Set<String> documented = firstColumn(templatingSection(), "Environment variable");
        Set<String> local = new TreeSet<>(attempt.env().keySet());
        assertThat(local).contains("SLUICE_V_1");
        assertThat(documented).contains("SLUICE_V_1");
        local.removeIf(n -> n.startsWith("SLUICE_V_"));
        Set<String> named = new TreeSet<>(documented);
        named.removeIf(n -> n.startsWith("SLUICE_V_"));

        assertThat(local).isEqualTo(named);
        assertThat(new TreeSet<>(CommandWork.tryEnvironment(attempt.context(), x.itemJson()).keySet()))
                .isEqualTo(named);
    }

    @Test
    void theRunIdsShownAreTheOnesRunsGet() throws IOException {
        String section = templatingSection();
        assertThat(section).contains(
                RunIds.manual("DAG", Instant.parse("2024-05-03T10:15:42.123456Z")),
                RunIds.manual("DAG", Instant.parse("2024-01-06T00:00:00Z")),
                RunIds.scheduled("DAG", Instant.parse("2024-01-01T02:00:00Z")),
                RunIds.backfill("DAG", Instant.parse("2024-01-01T02:00:00Z")),
                RunIds.s3("DAG", "b", "k", "1").substring(0, "DAG.s3__".length()));
    }
}
