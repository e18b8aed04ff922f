package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/tutorial.md as a reader follows it: its {@code ```bash} blocks, in order, as one script
 * ({@code bash -e -o pipefail}) in an empty folder, with a {@code sluice} on PATH that runs this build's CLI
 * (cli/target/sluice.jar). It starts with {@code sluice init my-pipeline}, so it needs the packaged test kit and
 * lives here (testkit builds after cli, and failsafe runs after the kit jar is shaded at {@code package}). A block
 * marked {@code <!-- docs-test: parse-only REASON -->} (section 7 needs AWS) is left out; cli's DocsSnippetsIT
 * checks that its sluice commands parse. The tutorial carries the marker {@code <!-- docs-test: in-order run by
 * TutorialIT -->}, so DocsSnippetsIT does not run its blocks one by one.
 */
class TutorialIT {
    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    private static final Path TUTORIAL = ROOT.resolve("docs/tutorial.md");
    private static final String PARSE_ONLY = "<!-- docs-test: parse-only";
    private static final String IN_ORDER = "<!-- docs-test: in-order run by TutorialIT -->";

    @TempDir
    Path tmp;

    record Block(int line, String text) {
    }

    /** The tutorial's runnable shell blocks, in order: fences at the start of a line, as DocsSnippetsIT reads them. */
    static List<Block> runnableBlocks(List<String> lines) {
        List<Block> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String fence = lines.get(i);
            if (!fence.startsWith("```") || fence.length() == 3) {
                continue;
            }
            String lang = fence.substring(3).strip();
            StringBuilder body = new StringBuilder();
            int j = i + 1;
            while (j < lines.size() && !lines.get(j).startsWith("```")) {
                body.append(lines.get(j)).append('\n');
                j++;
            }
            boolean parseOnly = i > 0 && lines.get(i - 1).strip().startsWith(PARSE_ONLY);
            if ((lang.equals("bash") || lang.equals("sh")) && !parseOnly) {
                out.add(new Block(i + 1, body.toString()));
            }
            i = j;
        }
        return out;
    }

    @Test
    void theTutorialRunsAsWritten() throws Exception {
        List<String> lines = Files.readAllLines(TUTORIAL, StandardCharsets.UTF_8);
        assertThat(lines).as("docs/tutorial.md carries the marker that hands its blocks to this test")
                .anyMatch(l -> l.strip().equals(IN_ORDER));
        List<Block> blocks = runnableBlocks(lines);
        assertThat(blocks).as("runnable blocks").hasSizeGreaterThanOrEqualTo(5);
        assertThat(blocks.get(0).text()).startsWith("sluice init my-pipeline\n");

        StringBuilder script = new StringBuilder();
        for (Block b : blocks) {
            // a line of its own in the output, so a failure shows which block it was in
            script.append("echo '>>> docs/tutorial.md:").append(b.line()).append("'\n").append(b.text());
        }
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path sluice = bin.resolve("sluice");
        Files.writeString(sluice, "#!/bin/sh\nexec '" + Path.of(System.getProperty("java.home"), "bin", "java")
                + "' -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -jar '" + ROOT.resolve("cli/target/sluice.jar")
                + "' \"$@\"\n");
        Files.setPosixFilePermissions(sluice, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path work = Files.createDirectories(tmp.resolve("work"));
        Path out = tmp.resolve("output.txt");
        ProcessBuilder pb = new ProcessBuilder("bash", "-e", "-o", "pipefail", "-c", script.toString())
                .directory(work.toFile()).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().remove("SLUICE_HOME");
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        Process p = pb.start();
        if (!p.waitFor(4, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("the tutorial's script did not end in 4 minutes:\n" + Files.readString(out));
        }
        String output = Files.readString(out);
        assertThat(p.exitValue()).as("the tutorial's script exits 0\n--- script\n%s\n--- output\n%s", script, output)
                .isZero();

        Path project = work.resolve("my-pipeline");
        assertThat(output).as(output).contains(
                // section 2: the first run, its list and the handler's log
                "run hello.manual__2024-01-01T00:00:00Z success",
                "[count_rows] counted 5 rows of orders",
                // section 4: the integrity check
                "1 DAG checked: 1 valid, 0 invalid",
                // section 5: the run with per_row, the backfill, the clear and resume, and the new try's log
                "per_row[4]",
                "run hello.manual__2024-01-02T00:00:00Z success",
                "8 succeeded, 0 failed, 0 skipped",
                "all 3 runs succeeded",
                "hello.manual__2024-01-02T00:00:00Z: cleared count_rows, report", "cleared 2 task(s) in 1 run(s)",
                "task count_rows, try 2/");
        assertThat(Files.readString(project.resolve("dags/hello.yaml"))).contains("task_id: per_row");
        String reports = readAll(project.resolve("target/surefire-reports"), ".txt");
        assertThat(reports).contains("example.HelloDagTest", "example.tasks.CountRowsTest",
                "example.DagIntegrityTest").doesNotContain("FAILURE");
        assertThat(reports.split("Tests run: ", -1)).as(reports).hasSize(4);
        assertThat(reports).contains("Tests run: 3, Failures: 0, Errors: 0, Skipped: 0");
    }

    @Test
    void blocksMarkedParseOnlyAndOtherLanguagesAreLeftOut() {
        List<String> doc = List.of("# T", "```bash", "sluice init x", "```", "```yaml", "a: 1", "```",
                "<!-- docs-test: parse-only needs AWS -->", "```bash", "sluice trigger d --stack s", "```",
                "   ```bash", "indented", "   ```", "```sh", "cd x", "```");
        assertThat(runnableBlocks(doc)).containsExactly(new Block(2, "sluice init x\n"), new Block(15, "cd x\n"));
    }

    private static String readAll(Path dir, String suffix) throws IOException {
        StringBuilder b = new StringBuilder();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(f -> f.toString().endsWith(suffix)).sorted().toList()) {
                b.append(p.getFileName()).append('\n').append(Files.readString(p, StandardCharsets.UTF_8));
            }
        }
        return b.toString();
    }
}
