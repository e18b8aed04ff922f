package dev.sluice.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Random damage to the example DAG must always come back as a LoadResult, never as an exception. */
class LoaderFuzzTest {
    private static final String[] TOKENS = {"", "-", ":", "{", "}", "[", "]", "\"", "'", "#", "&a", "*a", "!!int",
            "\t", "\n", "  ", "99999999999999999999", "-1", "1e400", "null", "~", "true", "{{ ds }}", "ü", "日本",
            "\uD83D\uDE00", "\u0000", "\\", "|", ">", "?", "%", "@", "`", "---", "...", "<<: *a", "tasks:", "upstream:",
            "task_id:", "foreach: [a, b]", "group_id: g", "[1, [2, [3]]]", "{a: {b: {c: 1}}}", "P1D", "5x"};

    @Test
    void twoThousandMutationsOfTheExampleNeverThrow() throws IOException {
        String original = Files.readString(SpecFixtures.dag("warehouse.yaml"));
        Random random = new Random(20240101L);
        List<String> inputs = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            inputs.add(mutate(original, random));
        }

        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            int valid = 0;
            for (int i = 0; i < inputs.size(); i++) {
                String name = i % 10 == 0 ? "fuzz" + i + ".json" : "fuzz" + i + ".yaml";
                DagLoader.LoadResult r = DagLoader.loadString(inputs.get(i), name);
                assertThat(r).as("input %d", i).isNotNull();
                assertThat(r.problems()).as("input %d", i).doesNotContainNull();
                if (r.dag() == null) {
                    assertThat(r.errors()).as("a null dag comes with an error, input %d:%n%s", i, inputs.get(i))
                            .isNotEmpty();
                    assertThat(r.errors()).as("no internal errors, input %d:%n%s", i, inputs.get(i))
                            .noneMatch(p -> p.message().startsWith("internal error"));
                } else {
                    valid++;
                }
            }
            // Some mutations are harmless (comments, whitespace), so some DAGs still load.
            assertThat(valid).isGreaterThan(0).isLessThan(inputs.size());
        });
    }

    private static String mutate(String text, Random random) {
        StringBuilder s = new StringBuilder(text);
        int edits = 1 + random.nextInt(4);
        for (int e = 0; e < edits; e++) {
            int at = random.nextInt(s.length() + 1);
            switch (random.nextInt(8)) {
                case 0 -> { // delete a span
                    int end = Math.min(s.length(), at + 1 + random.nextInt(40));
                    s.delete(Math.min(at, end), end);
                }
                case 1 -> s.insert(at, TOKENS[random.nextInt(TOKENS.length)]);
                case 2 -> { // swap a value's type
                    String[] lines = s.toString().split("\n", -1);
                    int li = random.nextInt(lines.length);
                    int colon = lines[li].indexOf(": ");
                    if (colon > 0) {
                        lines[li] = lines[li].substring(0, colon + 2) + TOKENS[random.nextInt(TOKENS.length)];
                    }
                    s = new StringBuilder(String.join("\n", lines));
                }
                case 3 -> s.insert(at, "9".repeat(1 + random.nextInt(3000)));
                case 4 -> { // deep nesting
                    int depth = 1 + random.nextInt(3000);
                    s.insert(at, "[".repeat(depth) + "]".repeat(random.nextInt(depth + 1)));
                }
                case 5 -> { // unicode and control characters
                    s.insert(at, (char) random.nextInt(0x3000));
                }
                case 6 -> { // duplicate a line
                    String[] lines = s.toString().split("\n", -1);
                    int li = random.nextInt(lines.length);
                    s.append('\n').append(lines[li]);
                }
                default -> { // shuffle indentation
                    String[] lines = s.toString().split("\n", -1);
                    int li = random.nextInt(lines.length);
                    lines[li] = " ".repeat(random.nextInt(6)) + lines[li].stripLeading();
                    s = new StringBuilder(String.join("\n", lines));
                }
            }
        }
        return s.toString();
    }
}
