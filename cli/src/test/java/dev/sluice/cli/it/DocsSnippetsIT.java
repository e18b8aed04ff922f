package dev.sluice.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.sluice.cli.Main;
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
import picocli.CommandLine;

/**
 * Every snippet in README.md and docs/*.md (every {@code .md} file there, found by name, so new docs are covered
 * without touching this test) runs as written:
 * <ul>
 *   <li>a {@code ```yaml} block with a top-level {@code dag_id:} is a DAG: it must pass {@code sluice validate}
 *       and {@code sluice run FILE --no-delay} must succeed, in a fresh folder holding the repository's
 *       {@code examples/};</li>
 *   <li>a {@code ```bash} block runs whole, with {@code bash -e}, in such a folder, where {@code ./sluice} and
 *       {@code sluice} are this build's CLI; it must exit 0.</li>
 * </ul>
 * A snippet that cannot run here (it needs AWS or a deployment, a long-running server, or is the whole test suite)
 * is marked by an HTML comment on the line just before its opening fence, with the reason:
 * <pre>{@code
 * <!-- docs-test: parse-only needs a deployed stack -->
 * ```bash
 * ./sluice trigger my_dag --stack sluice
 * ```
 * }</pre>
 * Such a snippet is not run, but each of its {@code sluice}/{@code ./sluice} command lines must still parse as a
 * valid command of the CLI, and a DAG in it must still pass {@code sluice validate}. The marker is visible only in
 * the Markdown source.
 * <p>
 * A document whose shell snippets form one sequence (each runs in the folder and state the ones before it left,
 * like the tutorial's {@code sluice init my-pipeline}, {@code cd my-pipeline}, {@code mvn test}) has, on a line of
 * its own before its first fence, the file-level marker
 * <pre>{@code
 * <!-- docs-test: in-order run by TutorialIT -->
 * }</pre>
 * naming the test that runs its snippets in order, as one script. Here every shell snippet of such a file is
 * parse-only; its DAG snippets are validated and run as in any other file.
 */
class DocsSnippetsIT {
    static final String MARKER = "<!-- docs-test: parse-only";
    static final String IN_ORDER = "<!-- docs-test: in-order run by ";

    record Snippet(Path file, int line, String lang, String text, boolean parseOnly) {
        String where() {
            return Sluice.REPO.relativize(file) + ":" + line;
        }
    }

    @TempDir
    Path dir;

    static List<Path> docs() throws IOException {
        List<Path> out = new ArrayList<>();
        out.add(Sluice.REPO.resolve("README.md"));
        try (Stream<Path> s = Files.list(Sluice.REPO.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(out::add);
        }
        return out;
    }

    static List<Snippet> snippets() throws IOException {
        List<Snippet> out = new ArrayList<>();
        for (Path doc : docs()) {
            List<String> lines = Files.readAllLines(doc, StandardCharsets.UTF_8);
            boolean inOrder = inOrder(lines);
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
                boolean parseOnly = i > 0 && lines.get(i - 1).strip().startsWith(MARKER);
                boolean shell = lang.equals("bash") || lang.equals("sh");
                out.add(new Snippet(doc, i + 1, lang, body.toString(), parseOnly || (shell && inOrder)));
                i = j;
            }
        }
        return out;
    }

    /** Whether the file-level marker {@link #IN_ORDER} stands on a line of its own before the first fence. */
    static boolean inOrder(List<String> lines) {
        for (String line : lines) {
            if (line.startsWith("```")) {
                return false;
            }
            if (line.strip().startsWith(IN_ORDER) && line.strip().endsWith("-->")) {
                return true;
            }
        }
        return false;
    }

    private Path workspace() throws IOException {
        Path ws = Workspaces.withExamples(Files.createTempDirectory(dir, "ws"));
        String launcher = "#!/bin/sh\nexec '" + Path.of(System.getProperty("java.home"), "bin", "java")
                + "' -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -jar '" + Sluice.JAR + "' \"$@\"\n";
        Files.createDirectories(ws.resolve("bin"));
        for (Path p : List.of(ws.resolve("sluice"), ws.resolve("bin/sluice"))) {
            Files.writeString(p, launcher);
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return ws;
    }

    @Test
    void everyDagSnippetValidatesAndRuns() throws Exception {
        int dags = 0;
        for (Snippet s : snippets()) {
            if (!s.lang().equals("yaml") || !s.text().lines().anyMatch(l -> l.startsWith("dag_id:"))) {
                continue;
            }
            dags++;
            Path ws = workspace();
            Path file = Files.createDirectories(ws.resolve("dags")).resolve("snippet.yaml");
            Files.writeString(file, s.text());
            Sluice sluice = new Sluice(null, ws);
            Sluice.Result valid = sluice.run("validate", "dags/snippet.yaml");
            assertThat(valid.exit()).as("%s validates\n%s", s.where(), valid).isZero();
            if (!s.parseOnly()) {
                Sluice.Result run = sluice.run("run", "dags/snippet.yaml", "--no-delay");
                assertThat(run.exit()).as("%s runs\n%s", s.where(), run).isZero();
            }
        }
        assertThat(dags).as("DAG snippets found").isGreaterThanOrEqualTo(2);
    }

    @Test
    void everyShellSnippetRunsOrItsSluiceCommandsParse() throws Exception {
        int ran = 0;
        int parsed = 0;
        for (Snippet s : snippets()) {
            if (!s.lang().equals("bash") && !s.lang().equals("sh")) {
                continue;
            }
            if (s.parseOnly()) {
                for (List<String> args : sluiceCommands(s.text())) {
                    try {
                        Main.newCommandLine().parseArgs(args.toArray(String[]::new));
                    } catch (CommandLine.ParameterException e) {
                        fail(s.where() + ": 'sluice " + String.join(" ", args) + "' is not a valid command: "
                                + e.getMessage());
                    }
                    parsed++;
                }
                continue;
            }
            ran++;
            Path ws = workspace();
            ProcessBuilder pb = new Sluice(null, ws).builder().command("bash", "-e", "-o", "pipefail", "-c",
                    s.text());
            pb.environment().put("PATH", ws.resolve("bin") + ":" + System.getenv("PATH"));
            Path out = dir.resolve("snippet-" + ran + ".txt");
            pb.redirectErrorStream(true).redirectOutput(out.toFile());
            Process p = pb.start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(s.where() + ": did not finish in 60 s:\n" + s.text());
            }
            assertThat(p.exitValue()).as("%s exits 0:\n%s\n--- output\n%s", s.where(), s.text(), Files.readString(out))
                    .isZero();
        }
        assertThat(ran).as("runnable shell snippets").isPositive();
        assertThat(parsed).as("parse-only sluice commands").isPositive();
    }

    /** The arguments of each {@code sluice} or {@code ./sluice} command line (continuation lines joined). */
    static List<List<String>> sluiceCommands(String text) {
        List<List<String>> out = new ArrayList<>();
        for (String line : text.replace("\\\n", " ").split("\n")) {
            String l = line.strip();
            if (l.startsWith("./sluice ") || l.startsWith("sluice ")) {
                List<String> words = Workspaces.words(l);
                out.add(words.subList(1, words.size()));
            }
        }
        return out;
    }

    @Test
    void everyInOrderMarkerNamesATestThatExists() throws IOException {
        for (Path doc : docs()) {
            List<String> lines = Files.readAllLines(doc, StandardCharsets.UTF_8);
            if (!inOrder(lines)) {
                continue;
            }
            String marker = lines.stream().map(String::strip).filter(l -> l.startsWith(IN_ORDER)).findFirst()
                    .orElseThrow();
            String test = marker.substring(IN_ORDER.length(), marker.length() - "-->".length()).strip();
            List<Path> found = new ArrayList<>();
            try (Stream<Path> modules = Files.list(Sluice.REPO)) {
                for (Path m : modules.map(p -> p.resolve("src/test/java")).filter(Files::isDirectory).toList()) {
                    try (Stream<Path> s = Files.walk(m)) {
                        s.filter(p -> p.getFileName().toString().equals(test + ".java")).forEach(found::add);
                    }
                }
            }
            assertThat(found).as("%s: the test its in-order marker names, %s", Sluice.REPO.relativize(doc), test)
                    .isNotEmpty();
        }
    }

    @Test
    void theInOrderMarkerCountsOnlyBeforeTheFirstFence() {
        assertThat(inOrder(List.of("# T", "", IN_ORDER + "TutorialIT -->", "```bash", "x", "```"))).isTrue();
        assertThat(inOrder(List.of("# T", "```bash", IN_ORDER + "TutorialIT -->", "```"))).isFalse();
        assertThat(inOrder(List.of("# T", "the marker " + IN_ORDER + "TutorialIT --> in a sentence"))).isFalse();
    }

    @Test
    void theSnippetFinderSeesMarkersAndCommands() {
        assertThat(sluiceCommands("export X=1\n./sluice trigger d --conf '{\"a\": 1}' --stack \\\n  s   # c\n"))
                .containsExactly(List.of("trigger", "d", "--conf", "{\"a\": 1}", "--stack", "s"));
    }
}
