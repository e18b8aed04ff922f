package dev.sluice.spec;

import dev.sluice.model.Dag;
import dev.sluice.model.DagBuilder;
import dev.sluice.model.DagValidationException;
import dev.sluice.model.Location;
import dev.sluice.model.Problem;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Loads a DAG from YAML or JSON text into the same immutable {@link Dag} that {@link DagBuilder} produces.
 * It never throws for bad input: every problem comes back in {@link LoadResult#problems()} with file:line:column.
 * It does no I/O: the files a DAG includes ({@code foreach_file}) come through the {@link SpecFiles} port, and the
 * result lists each one it read ({@link LoadResult#included()}). {@link DiskDagLoader} loads files and folders from
 * disk.
 *
 * <pre>{@code
 * DagLoader.LoadResult r = DagLoader.loadString(text, "dags/warehouse.yaml", SpecFiles.of(Map.of()));
 * if (r.dag() == null) {
 *     r.problems().forEach(System.err::println);   // dags/warehouse.yaml:12:5: error: unknown field 'retires' ...
 * }
 * }</pre>
 *
 * The spec itself is described in docs/dag-spec.md.
 */
public final class DagLoader {
    private DagLoader() {
    }

    /**
     * The outcome of loading one file.
     *
     * @param dag      the DAG, or null when any problem is an error
     * @param problems every error and warning found, in file order
     * @param included every file the DAG included that the loader read, by name, in the order first read
     * @param poolLocations where each pool of {@code pools:} is declared (validate names both files of a conflict)
     */
    public record LoadResult(Dag dag, List<Problem> problems, List<IncludedFile> included,
                             Map<String, Location> poolLocations) {
        public LoadResult {
            problems = List.copyOf(problems);
            included = List.copyOf(included);
            poolLocations = Map.copyOf(poolLocations);
        }

        public LoadResult(Dag dag, List<Problem> problems, List<IncludedFile> included) {
            this(dag, problems, included, Map.of());
        }

        public LoadResult(Dag dag, List<Problem> problems) {
            this(dag, problems, List.of(), Map.of());
        }

        public boolean ok() {
            return dag != null;
        }

        public List<Problem> errors() {
            return problems.stream().filter(Problem::isError).toList();
        }
    }

    /** Loads DAG text that includes no files: a {@code foreach_file} in it is reported as unreadable. */
    public static LoadResult loadString(String content, String fileName) {
        return loadString(content, fileName, SpecFiles.none(), LoaderOptions.defaults());
    }

    public static LoadResult loadString(String content, String fileName, LoaderOptions options) {
        return loadString(content, fileName, SpecFiles.none(), options);
    }

    public static LoadResult loadString(String content, String fileName, SpecFiles files) {
        return loadString(content, fileName, files, LoaderOptions.defaults());
    }

    /**
     * {@code fileName} names the source in messages and decides YAML or JSON; {@code files} reads what the DAG
     * includes, by the name it gives (relative to {@code fileName}'s folder).
     */
    public static LoadResult loadString(String content, String fileName, SpecFiles files, LoaderOptions options) {
        Objects.requireNonNull(files, "files");
        Objects.requireNonNull(options, "options");
        Includes includes = new Includes(files, baseDir(fileName));
        List<Problem> problems = new ArrayList<>();
        try {
            if (content == null) {
                return result(null, List.of(Problem.error(Location.of(fileName), "no content")), fileName, includes);
            }
            String text = content.startsWith("\uFEFF") ? content.substring(1) : content;
            SpecTree.Node root;
            try {
                root = SpecTree.parse(text, fileName, SpecTree.isJson(fileName, text), problems);
            } catch (SpecTree.SyntaxError e) {
                problems.add(e.problem());
                return result(null, problems, fileName, includes);
            }
            Values values = new Values(problems);
            DagReader reader = new DagReader(values, options, includes);
            DagBuilder builder = reader.read(root, fileName);
            if (builder == null) {
                return result(null, problems, fileName, includes);
            }
            for (Problem p : problems) {
                builder.problem(p);
            }
            try {
                Dag dag = builder.build();
                List<Problem> all = new ArrayList<>(builder.warnings());
                LoadResult r = result(all.stream().anyMatch(Problem::isError) ? null : dag, all, fileName, includes);
                return new LoadResult(r.dag(), r.problems(), r.included(), reader.poolLocations());
            } catch (DagValidationException e) {
                return result(null, e.problems(), fileName, includes);
            }
        } catch (RuntimeException | StackOverflowError e) {
            problems.add(Problem.error(Location.of(fileName), "internal error while loading: " + describe(e)));
            return result(null, problems, fileName, includes);
        }
    }

    /**
     * Whether a file found in a folder is a DAG rather than a data file: its top level is a mapping with
     * {@code dag_id} or {@code tasks} (text that does not parse counts as a DAG, so that its load reports why).
     */
    public static boolean looksLikeDag(String content, String fileName) {
        try {
            SpecTree.Node root = SpecTree.parse(content, fileName, SpecTree.isJson(fileName, content));
            return root instanceof SpecTree.MapNode m && (m.has("dag_id") || m.has("tasks"));
        } catch (SpecTree.SyntaxError | RuntimeException | StackOverflowError e) {
            return true; // let the real load report it
        }
    }

    private static Path baseDir(String fileName) {
        try {
            Path parent = fileName == null ? null : Path.of(fileName).getParent();
            return parent == null ? Path.of("") : parent;
        } catch (RuntimeException e) {
            return Path.of("");
        }
    }

    /** Removes repeats (a bad default_args value is seen once per task) and orders by file, line, column. */
    private static LoadResult result(Dag dag, List<Problem> problems, String fileName, Includes includes) {
        List<Problem> unique = new ArrayList<>(new LinkedHashSet<>(problems));
        unique.sort(Comparator.<Problem>comparingInt(p -> Objects.equals(p.location().file(), fileName) ? 0 : 1)
                .thenComparing(p -> String.valueOf(p.location().file()))
                .thenComparingInt(p -> p.location().line())
                .thenComparingInt(p -> p.location().column()));
        return new LoadResult(dag, unique, includes.included());
    }

    private static String describe(Throwable e) {
        return ReadErrors.describe(e);
    }
}
