package dev.sluice.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.spec.DagLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * 10,000 mutated DAG specs through the loader and validator: random deletions, type swaps, huge numbers, deep
 * nesting (up to 10,000 levels), unicode and control characters, cycles, key-breaking ids. Each must come back as a
 * load result with problems (or a valid DAG), never as another exception, within a per-case time limit, and the
 * heap must not keep what the cases allocated.
 */
class DagSpecFuzzTest {
    static final int CASES = 10_000;
    static final long CASE_TIMEOUT_MS = Long.getLong("fuzz.caseTimeoutMs", 2_000);
    static final long HEAP_GROWTH_LIMIT = 64L << 20;

    private static final String[] TOKENS = {"", "-", ":", "{", "}", "[", "]", "\"", "'", "#", "&a", "*a", "!!int",
        "!!binary", "!!python/object:os.system", "\t", "\n", "  ", "99999999999999999999999999999", "-1", "1e400",
        "-0", "NaN", ".inf", "0x7fffffffffffffff", "null", "~", "true", "yes", "{{ ds }}", "{{", "}}", "ü", "日本",
        "\uD83D\uDE00", "\uD800", "\u202E", "\u0000", "\\", "|", ">", "?", "%", "@", "`", "---", "...", "<<: *a",
        "tasks:", "upstream:", "task_id:", "foreach: [a, b]", "group_id: g", "[1, [2, [3]]]", "{a: {b: {c: 1}}}",
        "P1D", "5x", "a#b", "a/b", "..", "../../etc/passwd", "x".repeat(300), "$(touch pwned)", "; rm -rf x"};

    @Test
    void tenThousandMutatedSpecsReturnProblemsAndNothingElse() throws Exception {
        List<String> originals = new ArrayList<>();
        for (String f : List.of("warehouse.yaml", "tables.yaml", "dynamic_tables.yaml", "warehouse.json")) {
            originals.add(Files.readString(Path.of("src/test/resources/dags", f)));
        }
        Random random = new Random(Long.getLong("fuzz.seed", 20_240_601L));
        Runtime rt = Runtime.getRuntime();
        System.gc();
        long heapBefore = rt.totalMemory() - rt.freeMemory();
        ExecutorService one = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(null, r, "spec-fuzz", 64L << 20); // deep YAML recursion gets a roomy stack
            t.setDaemon(true);
            return t;
        });
        int valid = 0;
        long slowest = 0;
        try {
            for (int i = 0; i < CASES; i++) {
                int which = random.nextInt(originals.size());
                String input = mutate(originals.get(which), random);
                String name = "fuzz" + i + (which == 3 || i % 10 == 0 ? ".json" : ".yaml");
                long t0 = System.nanoTime();
                Future<DagLoader.LoadResult> f = one.submit(() -> DagLoader.loadString(input, name));
                DagLoader.LoadResult r;
                try {
                    r = f.get(CASE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    f.cancel(true);
                    throw new AssertionError("case " + i + " did not finish in " + CASE_TIMEOUT_MS + " ms (input in "
                            + keep(i, input) + "):\n" + abbreviate(input));
                } catch (ExecutionException e) {
                    throw new AssertionError("case " + i + " threw " + e.getCause() + " instead of returning "
                            + "problems (input in " + keep(i, input) + "):\n" + abbreviate(input), e.getCause());
                }
                slowest = Math.max(slowest, System.nanoTime() - t0);
                assertThat(r).as("case %d", i).isNotNull();
                assertThat(r.problems()).as("case %d", i).doesNotContainNull();
                if (r.dag() == null) {
                    assertThat(r.errors()).as("a refused spec says why, case %d:%n%s", i, abbreviate(input))
                            .isNotEmpty()
                            .noneMatch(p -> p.message() == null || p.message().startsWith("internal error"));
                } else {
                    valid++;
                }
            }
        } finally {
            one.shutdownNow();
        }
        System.gc();
        long growth = rt.totalMemory() - rt.freeMemory() - heapBefore;
        System.out.printf("== DAG spec fuzz: %d cases, %d still valid, %d refused with problems, 0 exceptions; "
                + "slowest case %d ms; heap growth %d KB%n", CASES, valid, CASES - valid, slowest / 1_000_000,
                growth / 1024);
        assertThat(valid).isPositive().isLessThan(CASES);
        assertThat(growth).as("heap kept after %d cases", CASES).isLessThan(HEAP_GROWTH_LIMIT);
    }

    /** Ids that would break the store's key scheme ("RUN#id#TASK#..."), S3 paths or log lines. */
    @ParameterizedTest
    @ValueSource(strings = {"a#b", "a/b", "..", "a..b", ".hidden", "trailing.", "has space", "tab\tid", "new\nline",
        "ü", "日本", "\uD83D\uDE00", "", "$(touch pwned)", "a;b", "a'b", "a\"b", "a\\b", "%2F"})
    void keyBreakingIdsAreRejected(String id) throws IOException {
        String json = com.fasterxml.jackson.databind.json.JsonMapper.builder().build().writeValueAsString(id);
        DagLoader.LoadResult asDag = DagLoader.loadString("{\"dag_id\": " + json + ", \"tasks\": [{\"task_id\": \"a\","
                + " \"command\": \"true\"}]}", "ids.json");
        assertThat(asDag.dag()).as("dag_id %s", json).isNull();
        assertThat(asDag.errors()).isNotEmpty();
        DagLoader.LoadResult asTask = DagLoader.loadString("{\"dag_id\": \"d\", \"tasks\": [{\"task_id\": " + json
                + ", \"command\": \"true\"}]}", "ids.json");
        assertThat(asTask.dag()).as("task_id %s", json).isNull();
        assertThat(asTask.errors()).isNotEmpty();
        DagLoader.LoadResult asGroup = DagLoader.loadString("{\"dag_id\": \"d\", \"tasks\": [{\"group_id\": " + json
                + ", \"tasks\": [{\"task_id\": \"a\", \"command\": \"true\"}]}]}", "ids.json");
        assertThat(asGroup.dag()).as("group_id %s", json).isNull();
        DagLoader.LoadResult asPool = DagLoader.loadString("{\"dag_id\": \"d\", \"pools\": {" + json + ": 1}, "
                + "\"tasks\": [{\"task_id\": \"a\", \"command\": \"true\", \"pool\": " + json + "}]}", "ids.json");
        assertThat(asPool.dag()).as("pool %s", json).isNull();
    }

    @Test
    void veryLongIdsAreRejected() {
        String id = "a".repeat(251);
        assertThat(DagLoader.loadString("dag_id: " + id + "\ntasks: [{task_id: a, command: 'true'}]\n", "l.yaml").dag())
                .isNull();
        assertThat(DagLoader.loadString("dag_id: d\ntasks: [{task_id: " + id + ", command: 'true'}]\n", "l.yaml").dag())
                .isNull();
    }

    @Test
    void tenThousandDeepNestingIsRefusedQuickly() {
        for (String deep : List.of("[".repeat(10_000) + "]".repeat(10_000), "{a: ".repeat(10_000) + "1"
                + "}".repeat(10_000), "- ".repeat(10_000) + "x")) {
            for (String where : List.of("dag_id: d\ntasks: " + deep + "\n", "dag_id: d\nparams: " + deep
                    + "\ntasks: [{task_id: a, command: 'true'}]\n", deep)) {
                long t0 = System.nanoTime();
                DagLoader.LoadResult r = DagLoader.loadString(where, "deep.yaml");
                assertThat(r.dag()).isNull();
                assertThat(r.errors()).isNotEmpty();
                assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(CASE_TIMEOUT_MS);
            }
        }
    }

    private static String mutate(String text, Random random) {
        StringBuilder s = new StringBuilder(text);
        int edits = 1 + random.nextInt(4);
        for (int e = 0; e < edits; e++) {
            int at = random.nextInt(s.length() + 1);
            switch (random.nextInt(11)) {
                case 0 -> { // delete a span
                    int end = Math.min(s.length(), at + 1 + random.nextInt(60));
                    s.delete(Math.min(at, end), end);
                }
                case 1 -> s.insert(at, TOKENS[random.nextInt(TOKENS.length)]);
                case 2 -> s = new StringBuilder(swapValue(s.toString(), random)); // a value of another type
                case 3 -> s.insert(at, "9".repeat(1 + random.nextInt(5000))); // huge numbers
                case 4 -> { // deep nesting, up to 10,000 levels
                    int depth = 1 + random.nextInt(10_000);
                    String open = random.nextBoolean() ? "[" : "{a: ";
                    String close = open.equals("[") ? "]" : "}";
                    s.insert(at, open.repeat(depth) + close.repeat(random.nextInt(depth + 1)));
                }
                case 5 -> s.insert(at, (char) random.nextInt(0x10000)); // any UTF-16 unit, lone surrogates too
                case 6 -> { // duplicate a line
                    String[] lines = s.toString().split("\n", -1);
                    s.append('\n').append(lines[random.nextInt(lines.length)]);
                }
                case 7 -> { // shuffle indentation
                    String[] lines = s.toString().split("\n", -1);
                    int li = random.nextInt(lines.length);
                    lines[li] = " ".repeat(random.nextInt(6)) + lines[li].stripLeading();
                    s = new StringBuilder(String.join("\n", lines));
                }
                case 8 -> s = new StringBuilder(cycle(s.toString(), random)); // a dependency cycle
                case 9 -> { // a large but flat collection
                    s.insert(at, "[" + "1,".repeat(random.nextInt(20_000)) + "1]");
                }
                default -> s = new StringBuilder(s.toString().replaceFirst("(?m)(task_id|dag_id|group_id): *\\S+",
                        "$1: " + java.util.regex.Matcher.quoteReplacement(TOKENS[55 + random.nextInt(TOKENS.length - 55)])));
            }
        }
        return s.toString();
    }

    private static String swapValue(String text, Random random) {
        String[] lines = text.split("\n", -1);
        int li = random.nextInt(lines.length);
        int colon = lines[li].indexOf(": ");
        if (colon > 0) {
            lines[li] = lines[li].substring(0, colon + 2) + TOKENS[random.nextInt(TOKENS.length)];
        }
        return String.join("\n", lines);
    }

    /** Makes an early task depend on a later one (which depends on it, directly or not). */
    private static String cycle(String text, Random random) {
        List<String> ids = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("task_id\"?: *\"?([A-Za-z0-9_]+)").matcher(text);
        while (m.find()) {
            ids.add(m.group(1));
        }
        if (ids.size() < 2) {
            return text;
        }
        String first = ids.get(0);
        String later = ids.get(1 + random.nextInt(ids.size() - 1));
        if (text.stripLeading().startsWith("{")) {
            return text.replaceFirst("\"task_id\": *\"" + first + "\"", "\"task_id\": \"" + first
                    + "\", \"upstream\": [\"" + later + "\"]");
        }
        return text.replaceFirst("task_id: " + first + "\\b", "task_id: " + first + ", upstream: [" + later + "]")
                .replaceFirst("(?m)^(\\s*)- task_id: " + first + ", upstream: \\[" + later + "]$",
                        "$1- task_id: " + first + "\n$1  upstream: [" + later + "]");
    }

    /** Writes a failing input where it can be loaded again by hand. */
    private static Path keep(int i, String input) throws IOException {
        Path p = Path.of("target", "fuzz-case-" + i + ".yaml");
        Files.writeString(p, input);
        return p;
    }

    private static String abbreviate(String s) {
        return s.length() > 2000 ? s.substring(0, 2000) + "... (" + s.length() + " chars)" : s;
    }
}
