package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every {@code ```java} snippet of README.md and docs/*.md is an excerpt of code that the build compiles and a test
 * runs: its lines (trimmed, blank lines left out) appear in that order, one after another, in a {@code .java} file
 * under some module's {@code src/} or in the templates of {@code sluice init}. So a snippet cannot name a method that
 * no longer exists: copy it from a real class or test, never write it in the docs alone.
 */
class JavaSnippetsTest {
    private static final Path REPO = repo();

    private static Path repo() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("template.yaml"))) {
            p = p.getParent();
        }
        assertThat(p).as("the repository root").isNotNull();
        return p;
    }

    record Snippet(String where, List<String> lines) {
    }

    static List<Snippet> snippets() throws IOException {
        List<Path> docs = new ArrayList<>(List.of(REPO.resolve("README.md")));
        try (Stream<Path> s = Files.list(REPO.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        List<Snippet> out = new ArrayList<>();
        for (Path doc : docs) {
            List<String> lines = Files.readAllLines(doc, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                if (!lines.get(i).strip().equals("```java")) {
                    continue;
                }
                List<String> body = new ArrayList<>();
                int j = i + 1;
                while (j < lines.size() && !lines.get(j).startsWith("```")) {
                    body.add(lines.get(j));
                    j++;
                }
                out.add(new Snippet(REPO.relativize(doc) + ":" + (i + 1), normalized(body)));
                i = j;
            }
        }
        return out;
    }

    static List<String> normalized(List<String> lines) {
        return lines.stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    /** The normalized lines of every Java source and {@code sluice init} template in the repository. */
    static List<List<String>> sources() throws IOException {
        List<List<String>> out = new ArrayList<>();
        List<Path> modules;
        try (Stream<Path> top = Files.list(REPO)) {   // module folders: not .git, .venv, target
            modules = top.filter(p -> Files.isDirectory(p.resolve("src"))).toList();
        }
        for (Path module : modules) {
            walk(module.resolve("src"), out);
        }
        return out;
    }

    private static void walk(Path src, List<List<String>> out) throws IOException {
        try (Stream<Path> s = Files.walk(src)) {
            s.filter(Files::isRegularFile)
                    .filter(p -> p.toString().endsWith(".java")
                            || p.toString().contains("/resources/dev/sluice/cli/init/"))
                    .forEach(p -> {
                        try {
                            out.add(normalized(Files.readAllLines(p, StandardCharsets.UTF_8)));
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
        }
    }

    static boolean excerptOf(List<String> snippet, List<String> source) {
        if (snippet.isEmpty()) {
            return false;
        }
        for (int start = 0; start + snippet.size() <= source.size(); start++) {
            if (source.subList(start, start + snippet.size()).equals(snippet)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void everyJavaSnippetIsAnExcerptOfCompiledCode() throws IOException {
        List<Snippet> snippets = snippets();
        assertThat(snippets).as("java snippets in README.md and docs/").isNotEmpty();
        List<List<String>> sources = sources();
        List<String> orphans = new ArrayList<>();
        for (Snippet s : snippets) {
            if (sources.stream().noneMatch(src -> excerptOf(s.lines(), src))) {
                orphans.add(s.where() + ": not an excerpt of any Java source or sluice init template");
            }
        }
        assertThat(orphans).isEmpty();
    }

    @Test
    void anExcerptMustBeContiguous() {
        List<String> source = List.of("a", "b", "c");
        assertThat(excerptOf(List.of("b", "c"), source)).isTrue();
        assertThat(excerptOf(List.of("a", "c"), source)).isFalse();
        assertThat(excerptOf(List.of(), source)).isFalse();
    }
}
