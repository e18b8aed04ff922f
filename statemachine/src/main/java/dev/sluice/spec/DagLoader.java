package dev.sluice.spec;

import dev.sluice.model.Dag;
import dev.sluice.model.DagBuilder;
import dev.sluice.model.DagValidationException;
import dev.sluice.model.Location;
import dev.sluice.model.Problem;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Loads a DAG from YAML or JSON into the same immutable {@link Dag} that {@link DagBuilder} produces.
 * It never throws for bad input: every problem comes back in {@link LoadResult#problems()} with file:line:column.
 *
 * <pre>{@code
 * DagLoader.LoadResult r = DagLoader.load(Path.of("dags/warehouse.yaml"));
 * if (r.dag() == null) {
 *     r.problems().forEach(System.err::println);   // dags/warehouse.yaml:12:5: error: unknown field 'retires' ...
 * }
 * }</pre>
 *
 * The spec itself is described in docs/dag-spec.md.
 */
public final class DagLoader {
    private static final Set<String> EXTENSIONS = Set.of(".yaml", ".yml", ".json");

    private DagLoader() {
    }

    /**
     * The outcome of loading one file.
     *
     * @param dag      the DAG, or null when any problem is an error
     * @param problems every error and warning found, in file order
     */
    /**
     * A file's DAG (null when it has errors) and its problems.
     *
     * @param poolLocations where each pool of {@code pools:} is declared (validate names both files of a conflict)
     */
    public record LoadResult(Dag dag, List<Problem> problems, Map<String, Location> poolLocations) {
        public LoadResult {
            problems = List.copyOf(problems);
            poolLocations = Map.copyOf(poolLocations);
        }

        public LoadResult(Dag dag, List<Problem> problems) {
            this(dag, problems, Map.of());
        }

        public boolean ok() {
            return dag != null;
        }

        public List<Problem> errors() {
            return problems.stream().filter(Problem::isError).toList();
        }
    }

    public static LoadResult load(Path file) {
        return load(file, LoaderOptions.defaults());
    }

    public static LoadResult load(Path file, LoaderOptions options) {
        return load(file, options, new HashSet<>());
    }

    public static LoadResult loadString(String content, String fileName) {
        return loadString(content, fileName, LoaderOptions.defaults());
    }

    /** {@code fileName} names the source in messages and decides YAML or JSON; foreach_file is relative to it. */
    public static LoadResult loadString(String content, String fileName, LoaderOptions options) {
        return loadString(content, fileName, options, new HashSet<>());
    }

    /**
     * Loads every file given, and every *.yaml, *.yml and *.json under every folder given (hidden folders and
     * files skipped), sorted by path. In folders, files that are not DAGs are skipped: data files that a DAG
     * names in {@code foreach_file}, and files whose top level is not a mapping with {@code dag_id} or
     * {@code tasks}. Files named directly are always loaded.
     */
    public static List<LoadResult> loadAll(List<Path> pathsOrDirs) {
        return loadAll(pathsOrDirs, LoaderOptions.defaults());
    }

    public static List<LoadResult> loadAll(List<Path> pathsOrDirs, LoaderOptions options) {
        Set<Path> explicit = new LinkedHashSet<>();
        Set<Path> scanned = new LinkedHashSet<>();
        List<LoadResult> failures = new ArrayList<>();
        for (Path p : pathsOrDirs) {
            if (Files.isDirectory(p)) {
                try {
                    scan(p, scanned);
                } catch (IOException | RuntimeException e) {
                    failures.add(new LoadResult(null, List.of(Problem.error(Location.of(p.toString()),
                            "cannot list folder: " + describe(e)))));
                }
            } else {
                explicit.add(p);
            }
        }
        scanned.removeAll(explicit);
        List<Path> all = new ArrayList<>(explicit);
        all.addAll(scanned);
        all.sort(Comparator.comparing(Path::toString));

        Set<Path> dataFiles = new HashSet<>();
        List<Path> order = new ArrayList<>();
        List<LoadResult> results = new ArrayList<>();
        for (Path p : all) {
            if (scanned.contains(p) && !looksLikeDag(p)) {
                continue;
            }
            order.add(p);
            results.add(load(p, options, dataFiles));
        }
        List<LoadResult> out = new ArrayList<>(failures);
        for (int i = 0; i < order.size(); i++) {
            Path p = order.get(i);
            if (scanned.contains(p) && dataFiles.contains(p.toAbsolutePath().normalize())) {
                continue;
            }
            out.add(results.get(i));
        }
        return out;
    }

    private static void scan(Path dir, Set<Path> into) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                boolean hidden = !d.equals(dir) && d.getFileName().toString().startsWith(".");
                return hidden ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                String name = f.getFileName().toString();
                String lower = name.toLowerCase(Locale.ROOT);
                if (attrs.isRegularFile() && !name.startsWith(".")
                        && EXTENSIONS.stream().anyMatch(lower::endsWith)) {
                    into.add(f);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path f, IOException e) {
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** A folder may hold data files too; a DAG's top level is a mapping with dag_id or tasks. */
    private static boolean looksLikeDag(Path p) {
        try {
            String content = Files.readString(p, StandardCharsets.UTF_8);
            SpecTree.Node root = SpecTree.parse(content, p.toString(), SpecTree.isJson(p.toString(), content));
            return root instanceof SpecTree.MapNode m && (m.has("dag_id") || m.has("tasks"));
        } catch (SpecTree.SyntaxError | IOException | RuntimeException | StackOverflowError e) {
            return true; // let the real load report it
        }
    }

    private static LoadResult load(Path file, LoaderOptions options, Set<Path> dataFiles) {
        Objects.requireNonNull(options, "options");
        String name = file == null ? "<null>" : file.toString();
        String content;
        try {
            content = Files.readString(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            return new LoadResult(null, List.of(Problem.error(Location.of(name), "cannot read: not UTF-8 text")));
        } catch (IOException | RuntimeException e) {
            return new LoadResult(null, List.of(Problem.error(Location.of(name), "cannot read: " + describe(e))));
        }
        return loadString(content, name, options, dataFiles);
    }

    private static LoadResult loadString(String content, String fileName, LoaderOptions options,
                                         Set<Path> dataFiles) {
        Objects.requireNonNull(options, "options");
        List<Problem> problems = new ArrayList<>();
        try {
            if (content == null) {
                return result(null, List.of(Problem.error(Location.of(fileName), "no content")), fileName);
            }
            String text = content.startsWith("\uFEFF") ? content.substring(1) : content;
            SpecTree.Node root;
            try {
                root = SpecTree.parse(text, fileName, SpecTree.isJson(fileName, text), problems);
            } catch (SpecTree.SyntaxError e) {
                problems.add(e.problem());
                return result(null, problems, fileName);
            }
            Values values = new Values(problems);
            Path baseDir = baseDir(fileName);
            DagReader reader = new DagReader(values, options, baseDir, dataFiles);
            DagBuilder builder = reader.read(root, fileName);
            if (builder == null) {
                return result(null, problems, fileName);
            }
            for (Problem p : problems) {
                builder.problem(p);
            }
            try {
                Dag dag = builder.build();
                List<Problem> all = new ArrayList<>(builder.warnings());
                LoadResult r = result(all.stream().anyMatch(Problem::isError) ? null : dag, all, fileName);
                return new LoadResult(r.dag(), r.problems(), reader.poolLocations());
            } catch (DagValidationException e) {
                return result(null, e.problems(), fileName);
            }
        } catch (RuntimeException | StackOverflowError e) {
            problems.add(Problem.error(Location.of(fileName), "internal error while loading: " + describe(e)));
            return result(null, problems, fileName);
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
    private static LoadResult result(Dag dag, List<Problem> problems, String fileName) {
        List<Problem> unique = new ArrayList<>(new LinkedHashSet<>(problems));
        unique.sort(Comparator.<Problem>comparingInt(p -> Objects.equals(p.location().file(), fileName) ? 0 : 1)
                .thenComparing(p -> String.valueOf(p.location().file()))
                .thenComparingInt(p -> p.location().line())
                .thenComparingInt(p -> p.location().column()));
        return new LoadResult(dag, unique);
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
