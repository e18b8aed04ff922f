package dev.sluice.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.cli.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** What a new user tries in the first hour: the help's examples, the README's example commands, the quick start. */
class FirstHourIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String EXAMPLE = "Example: ";

    @TempDir
    Path dir;

    /** Every {@code Example: sluice ...} line of every command's help, with the command it belongs to. */
    static List<String> helpExamples() {
        List<String> out = new ArrayList<>();
        collect(Main.newCommandLine(), out);
        return out;
    }

    private static void collect(CommandLine cl, List<String> out) {
        var message = cl.getCommandSpec().usageMessage();
        for (String[] block : List.of(message.description(), message.footer(), message.header())) {
            StringBuilder example = null;
            for (String line : block) {
                if (example == null && line.strip().startsWith(EXAMPLE)) {
                    example = new StringBuilder(line.strip().substring(EXAMPLE.length()));
                } else if (example != null) {
                    example.append(' ').append(line.strip());
                } else {
                    continue;
                }
                if (example.toString().endsWith("\\")) {
                    example.setLength(example.length() - 1); // goes on on the next line
                } else {
                    out.add(example.toString());
                    example = null;
                }
            }
        }
        cl.getSubcommands().values().stream().distinct().forEach(sub -> collect(sub, out));
    }

    @Test
    void everyExampleInEveryHelpTextRunsInAFreshCheckout() throws Exception {
        List<String> examples = helpExamples();
        assertThat(examples).as("the help texts give examples").hasSizeGreaterThanOrEqualTo(5)
                .anySatisfy(e -> assertThat(e).startsWith("sluice dags show "));
        for (String example : examples) {
            Path ws = Workspaces.withExamples(Files.createTempDirectory(dir, "ws"));
            List<String> words = Workspaces.words(example);
            assertThat(words.get(0)).as(example).isEqualTo("sluice");
            Sluice.Result r = new Sluice(null, ws).run(words.subList(1, words.size()).toArray(String[]::new));
            assertThat(r.exit()).as("sluice help example: %s\n%s", example, r).isZero();
        }
    }

    /** The rows of the README's "Examples" table: file, and the command the README gives to run it. */
    static List<String[]> readmeExamples() throws Exception {
        String readme = Files.readString(Sluice.REPO.resolve("README.md"));
        int at = readme.indexOf("\n## Examples");
        String section = readme.substring(at, readme.indexOf("\n## ", at + 1));
        List<String[]> rows = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^\\| `([\\w.]+\\.ya?ml)` \\|.*\\| `(\\./sluice [^`]+)` \\|$").matcher(section);
        while (m.find()) {
            rows.add(new String[] {m.group(1), m.group(2)});
        }
        return rows;
    }

    @Test
    void everyExampleRunsWithTheCommandTheReadmeGivesForIt() throws Exception {
        List<String[]> rows = readmeExamples();
        List<String> files;
        try (Stream<Path> s = Files.list(Sluice.REPO.resolve("examples"))) {
            files = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml")).sorted().toList();
        }
        assertThat(rows.stream().map(r -> r[0]).sorted().toList()).as("one README row per example").isEqualTo(files);
        for (String[] row : rows) {
            Path ws = Workspaces.withExamples(Files.createTempDirectory(dir, "ws"));
            List<String> words = Workspaces.words(row[1]);
            Sluice.Result r = new Sluice(null, ws).run(words.subList(1, words.size()).toArray(String[]::new));
            assertThat(r.exit()).as("README: %s\n%s", row[1], r).isZero();
        }
    }

    @Test
    void aTryThatFailsBeforeItsCommandStartsLeavesALogSayingWhy() throws Exception {
        Path ws = Workspaces.withExamples(dir);
        Sluice sluice = new Sluice(null, ws);
        Sluice.Result r = sluice.run("run", "examples/file_trigger.yaml", "--json");
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        String runId = JSON.readTree(r.out()).get("runId").asText();

        Sluice.Result log = sluice.run("tasks", "logs", runId, "validate_file");

        assertThat(log.exit()).as(log.toString()).isZero();
        assertThat(log.out()).contains("try 1/1: not started", "failed before it started:", "conf.bucket");
    }

    @Test
    void schedulerOnceRunsEveryDueIntervalOneAfterAnotherUnderMaxActiveRuns() throws Exception {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        Path dag = dir.resolve("cron.yaml");
        Files.writeString(dag, "dag_id: nightly\nschedule: '@daily'\nstart_date: " + today.minusDays(4)
                + "\ncatchup: true\nmax_active_runs: 1\ntasks:\n  - {task_id: t, command: 'echo {{ ds }}'}\n");
        Sluice sluice = new Sluice(dir.resolve("home"), dir);

        Sluice.Result once = sluice.run("scheduler", "--path", dag.toString(), "--once");

        assertThat(once.exit()).as(once.toString()).isZero();
        JsonNode runs = JSON.readTree(sluice.run("runs", "list", "--dag", "nightly", "--json").out());
        assertThat(runs).hasSize(4); // the four complete intervals, not max_active_runs of them
        List<JsonNode> byDate = new ArrayList<>();
        runs.forEach(byDate::add);
        byDate.sort((a, b) -> a.get("logicalDate").asText().compareTo(b.get("logicalDate").asText()));
        for (int i = 0; i < byDate.size(); i++) {
            JsonNode run = JSON.readTree(sluice.run("runs", "show", byDate.get(i).get("runId").asText(), "--json")
                    .out());
            assertThat(run.get("state").asText()).isEqualTo("success");
            byDate.set(i, run);
        }
        for (int i = 1; i < byDate.size(); i++) { // one at a time: each starts after the one before ended
            Instant endedBefore = Instant.parse(byDate.get(i - 1).get("tasks").get(0).get("endedAt").asText());
            Instant started = Instant.parse(byDate.get(i).get("tasks").get(0).get("startedAt").asText());
            assertThat(started).isAfterOrEqualTo(endedBefore);
        }
        // the positional folder still works, and finds nothing left to do
        assertThat(sluice.run("scheduler", dag.toString(), "--once").exit()).isZero();
        assertThat(JSON.readTree(sluice.run("runs", "list", "--dag", "nightly", "--json").out())).hasSize(4);
    }

    @Test
    void theQuickStartWritesOnlyUnderTheWorkspace() throws Exception {
        Path ws = Workspaces.withExamples(Files.createDirectories(dir.resolve("checkout")));
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        ProcessBuilder pb = new Sluice(null, ws).builder("run", "examples/warehouse.yaml", "--no-delay");
        pb.environment().put("TMPDIR", tmp.toString());
        pb.environment().put("JAVA_TOOL_OPTIONS", "-Djava.io.tmpdir=" + tmp);
        pb.redirectErrorStream(true).redirectOutput(dir.resolve("out.txt").toFile());
        Process p = pb.start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(dir.resolve("out.txt"))).isZero();

        try (Stream<Path> left = Files.list(tmp)) {
            assertThat(left.map(Path::getFileName).map(Path::toString).toList()).as("left in the temp folder")
                    .isEmpty();
        }
        assertThat(ws.resolve(".sluice/work/data_warehouse_pipeline")).isDirectory();
        try (Stream<Path> top = Files.list(ws)) {
            assertThat(top.map(f -> f.getFileName().toString()).sorted().toList())
                    .containsExactly(".sluice", "examples");
        }
    }
}
