package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice init} as a new user meets it: the project it makes runs its DAG with {@code sluice run} (which builds
 * the handler through sluice.yaml), and its own build and tests pass offline ({@code mvn -o -q test}). Runs the
 * CLI jar (cli/target/sluice.jar) and Maven as processes; the jars init copies are this build's (api/target,
 * testkit/target).
 */
class InitProjectIT {
    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

    @TempDir
    Path tmp;

    @Test
    void aNewProjectRunsItsDagAndPassesItsOwnTests() throws Exception {
        Path dir = tmp.resolve("my-pipeline");
        Result init = sluice(tmp, "init", dir.toString());
        assertThat(init.code()).as(init.output()).isZero();
        assertThat(dir.resolve("dags/hello.yaml")).exists();
        Path api = single(dir.resolve("lib/repo/dev/sluice/sluice-api"), ".jar");
        assertThat(Files.size(api)).as("sluice-api is a few kilobytes").isLessThan(16 * 1024);

        // Straight away, with no build yet: sluice.yaml builds target/classes, then the handler runs.
        Result run = sluice(dir, "run", "dags/hello.yaml", "--date", "2024-01-01", "--json");
        assertThat(run.code()).as(run.output()).isZero();
        JsonNode report = new ObjectMapper().readTree(run.stdout());
        assertThat(report.get("state").asText()).isEqualTo("success");
        Map<String, JsonNode> outputs = new HashMap<>();
        for (JsonNode t : report.get("tasks")) {
            outputs.put(t.get("taskId").asText(), t.get("output"));
        }
        ObjectMapper json = new ObjectMapper();
        // compared as JSON trees: the handler returns a Map.of, whose key order differs from one JVM to the next
        assertThat(outputs.get("count_rows"))
                .isEqualTo(json.readTree("{\"table\":\"orders\",\"rows\":5,\"day\":\"2024-01-01\"}"));
        assertThat(outputs.get("report")).isEqualTo(json.readTree("\"orders: 5 rows on 2024-01-01\""));

        Result test = process(dir, List.of("mvn", "-o", "-q", "-B", "test"));
        assertThat(test.code()).as(test.output()).isZero();
        String reports = readAll(dir.resolve("target/surefire-reports"), ".txt");
        assertThat(reports).contains("Tests run: 3, Failures: 0, Errors: 0, Skipped: 0", "example.HelloDagTest",
                "example.tasks.CountRowsTest", "example.DagIntegrityTest");
    }

    @Test
    void refusesAFolderThatIsNotEmpty() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("taken"));
        Files.writeString(dir.resolve("notes.txt"), "mine");
        Result init = sluice(tmp, "init", dir.toString());
        assertThat(init.code()).isEqualTo(2);
        assertThat(init.stderr()).contains("is not empty").doesNotContain("Exception");
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.toList()).containsExactly(dir.resolve("notes.txt"));
        }
    }

    private record Result(int code, String stdout, String stderr) {
        String output() {
            return stdout + stderr;
        }
    }

    private static Result sluice(Path cwd, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", ROOT.resolve("cli/target/sluice.jar").toString()));
        cmd.addAll(List.of(args));
        return process(cwd, cmd);
    }

    private static Result process(Path cwd, List<String> cmd) throws Exception {
        Path out = Files.createTempFile("it-out", ".txt");
        Path err = Files.createTempFile("it-err", ".txt");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            pb.environment().remove("SLUICE_HOME");
            Process p = pb.start();
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError(cmd + " did not end");
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static Path single(Path dir, String suffix) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(suffix)).findFirst().orElseThrow();
        }
    }

    private static String readAll(Path dir, String suffix) throws IOException {
        StringBuilder b = new StringBuilder();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(f -> f.toString().endsWith(suffix)).toList()) {
                b.append(p.getFileName()).append('\n').append(Files.readString(p, StandardCharsets.UTF_8));
            }
        }
        return b.toString();
    }
}
