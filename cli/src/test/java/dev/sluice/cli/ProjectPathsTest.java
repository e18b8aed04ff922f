package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No project file cites a file that is not in the repository: no {@code ../shared} or {@code shared/...} (a folder
 * outside the checkout), no "reference doc" that the reader does not have, every relative Markdown link resolves,
 * and every path from the repository's top folders ({@code docs/...}, {@code examples/...}, ...) exists. Build
 * output ({@code target/}) and placeholders ({@code NAME}, {@code <x>}, {@code *}, {@code ...}) are not checked.
 */
class ProjectPathsTest {
    private static final Pattern OUTSIDE = Pattern.compile("(?<![\\w/.-])(?:\\.\\./)+shared\\b|(?<![\\w/.-])shared/"
            + "[\\w-]+(?:/|\\.\\w)|(?i)\\breference doc\\b");
    private static final Pattern ROOTED = Pattern.compile("(?<![\\w./$-])((?:docs|examples|cli|functions|infra"
            + "|statemachine|scripts|bench|requirements)/[\\w./-]*[\\w/])");
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Pattern PLACEHOLDER = Pattern.compile("(^|/)[A-Z][A-Z_]+(\\.|/|$)");
    private static final Set<String> SKIP = Set.of(".git", "target", ".venv", ".sluice", ".aws-sam", "node_modules",
            ".idea");

    static Path repo() {
        Path p = Path.of("").toAbsolutePath();
        while (!Files.exists(p.resolve("examples/warehouse.yaml"))) {
            p = p.getParent();
        }
        return p;
    }

    static List<Path> projectFiles(Path repo) throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(repo)) {
            s.filter(Files::isRegularFile)
                    .filter(f -> repo.relativize(f).getNameCount() > 0)
                    .filter(f -> {
                        for (Path part : repo.relativize(f)) {
                            if (SKIP.contains(part.toString())) {
                                return false;
                            }
                        }
                        return true;
                    })
                    .filter(f -> f.getFileName().toString().matches(
                            ".*\\.(md|java|ya?ml|json|sh|py|txt|xml|toml|properties|cfg)|sluice|Makefile"))
                    .forEach(out::add);
        }
        return out;
    }

    @Test
    void noFileCitesAPathThatIsNotInTheRepository() throws IOException {
        Path repo = repo();
        List<String> bad = new ArrayList<>();
        List<Path> files = projectFiles(repo);
        assertThat(files).hasSizeGreaterThan(100);
        for (Path f : files) {
            String text;
            try {
                text = Files.readString(f, StandardCharsets.UTF_8);
            } catch (MalformedInputException binary) {
                continue;
            }
            String rel = repo.relativize(f).toString();
            if (rel.equals("cli/src/test/java/dev/sluice/cli/ProjectPathsTest.java")) {
                continue; // names what it looks for
            }
            Matcher o = OUTSIDE.matcher(text);
            while (o.find()) {
                bad.add(rel + ": cites '" + o.group() + "', which is not in the repository");
            }
            Matcher m = ROOTED.matcher(text);
            while (m.find()) {
                String path = m.group(1).replaceAll("\\.+$", "");
                if (path.contains("...") || path.contains("target/") || path.endsWith("/target")
                        || PLACEHOLDER.matcher(path).find()) {
                    continue;
                }
                if (!Files.exists(repo.resolve(path))) {
                    bad.add(rel + ": names " + path + ", which does not exist");
                }
            }
            if (rel.endsWith(".md")) {
                Matcher l = LINK.matcher(text);
                while (l.find()) {
                    String target = l.group(1);
                    if (target.matches("[a-z]+:.*") || target.startsWith("#")) {
                        continue;
                    }
                    String file = target.replaceAll("#.*", "");
                    if (!Files.exists(f.getParent().resolve(file))) {
                        bad.add(rel + ": links to " + target + ", which does not exist");
                    }
                }
            }
        }
        assertThat(bad).isEmpty();
    }

    @Test
    void theCheckFindsWhatItLooksFor() {
        assertThat(OUTSIDE.matcher("see ../shared/reference/x.md").find()).isTrue();
        assertThat(OUTSIDE.matcher("(shared/reference/airflow.md, section 1)").find()).isTrue();
        assertThat(OUTSIDE.matcher("the reference doc, section 3").find()).isTrue();
        assertThat(OUTSIDE.matcher("pools shared by every DAG; a shared/exclusive lock").find()).isFalse();
        Matcher m = ROOTED.matcher("run `examples/warehouse.yaml` and docs/nope.md.");
        assertThat(m.find()).isTrue();
        assertThat(m.group(1)).isEqualTo("examples/warehouse.yaml");
        assertThat(m.find()).isTrue();
        assertThat(m.group(1)).isEqualTo("docs/nope.md");
    }
}
