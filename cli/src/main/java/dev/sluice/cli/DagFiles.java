package dev.sluice.cli;

import dev.sluice.model.Dag;
import dev.sluice.spec.DagLoader.LoadResult;
import dev.sluice.spec.DiskDagLoader;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * Finding and loading DAG files for the commands, with the one convention every command follows:
 * <ul>
 *   <li>a command whose main object is a file takes it as a positional argument ({@code run FILE},
 *       {@code validate PATH...}, {@code backfill FILE});</li>
 *   <li>a command that finds a DAG by its id, or reads a folder of DAGs, takes {@code --path PATH} (or {@code -p})
 *       through the {@link PathOption} mixin, defaulting to {@link #defaultFolder()} ({@code dags/}, else
 *       {@code examples/}); find a DAG there with {@link PathOption#find}.</li>
 * </ul>
 * A new command that reads DAGs adds {@code @Mixin DagFiles.PathOption dags = new DagFiles.PathOption();}.
 */
public final class DagFiles {
    /** The option's names, for messages. */
    public static final String PATH_OPTION = "--path";

    private DagFiles() {
    }

    /**
     * {@code --path PATH} (alias {@code -p}): a DAG folder or file; default {@code dags/} if it exists, else
     * {@code examples/}.
     */
    public static final class PathOption {
        @Option(names = {"-p", PATH_OPTION}, paramLabel = "PATH",
                description = "A DAG folder or file (default: dags/ if it exists, else examples/).")
        Path path;

        public PathOption() {
        }

        /** The folder or file given, or the default folder. */
        public Path where() {
            return path != null ? path : defaultFolder();
        }

        /** True when {@code --path} was given. */
        public boolean given() {
            return path != null;
        }

        /** Sets the path (for a command that keeps an older positional PATH too). */
        public void set(Path p) {
            this.path = p;
        }

        /** Every DAG file under {@link #where()}; fails clearly when it does not exist. */
        public List<LoadResult> load() {
            return loadExisting(where());
        }

        /**
         * The DAG named {@code dagOrFile}: a DAG file, or a dag_id found under {@link #where()}. Problems of an
         * invalid file are printed on {@code err}. Fails with a "did you mean" when no DAG has that id.
         */
        public Dag find(String dagOrFile, PrintWriter err) {
            return DagFiles.find(dagOrFile, this, err);
        }
    }

    /** {@code dags/} when it exists in the current folder, else {@code examples/}. */
    public static Path defaultFolder() {
        Path dags = Path.of("dags");
        if (Files.isDirectory(dags)) {
            return dags;
        }
        Path examples = Path.of("examples");
        if (Files.isDirectory(examples)) {
            return examples;
        }
        throw CliException.invalid("no dags/ or examples/ folder in " + Path.of("").toAbsolutePath()
                + "; name the DAG folder with " + PATH_OPTION + " PATH");
    }

    /** Paths that do not exist, as {@code PATH: error: no such file or directory} lines. */
    static List<String> missing(List<Path> paths) {
        List<String> lines = new ArrayList<>();
        for (Path p : paths) {
            if (!Files.exists(p)) {
                lines.add(p + ": error: no such file or directory");
            } else if (!Files.isReadable(p)) {
                lines.add(p + ": error: permission denied");
            }
        }
        return lines;
    }

    /** Loads the given files and every DAG file under the given folders; the paths must exist. */
    static List<LoadResult> load(List<Path> paths) {
        return DiskDagLoader.loadAll(paths);
    }

    /** Loads one folder or file, failing clearly when it is missing. */
    public static List<LoadResult> loadExisting(Path path) {
        List<String> missing = missing(List.of(path));
        if (!missing.isEmpty()) {
            throw CliException.invalid(path + ": no such file or directory");
        }
        return load(List.of(path));
    }

    private static Dag find(String dag, PathOption where, PrintWriter err) {
        Path asFile = Path.of(dag);
        if (Files.isRegularFile(asFile)) {
            LoadResult r = DiskDagLoader.load(asFile);
            if (r.dag() == null) {
                r.problems().forEach(err::println);
                throw CliException.invalid(dag + " is not a valid DAG (" + r.errors().size()
                        + (r.errors().size() == 1 ? " error)" : " errors)"));
            }
            return r.dag();
        }
        if (looksLikeFile(dag)) {
            throw CliException.invalid(dag + ": no such file");
        }
        Path folder = where.where();
        List<LoadResult> results = loadExisting(folder);
        List<String> ids = new ArrayList<>();
        int invalid = 0;
        for (LoadResult r : results) {
            if (r.dag() == null) {
                invalid++;
            } else if (r.dag().dagId().equals(dag)) {
                return r.dag();
            } else {
                ids.add(r.dag().dagId());
            }
        }
        StringBuilder msg = new StringBuilder("no DAG '" + dag + "' in " + folder);
        String close = dev.sluice.model.Names.nearest(dag, ids).orElse(null);
        if (close != null) {
            msg.append("; did you mean '").append(close).append("'?");
        } else if (!ids.isEmpty()) {
            msg.append("; found: ").append(String.join(", ", ids.size() > 10 ? ids.subList(0, 10) : ids))
                    .append(ids.size() > 10 ? ", ..." : "");
        }
        if (invalid > 0) {
            msg.append(" (").append(invalid).append(invalid == 1 ? " file has" : " files have")
                    .append(" errors; see sluice validate ").append(folder).append(')');
        }
        if (!where.given()) {
            msg.append("; look elsewhere with ").append(PATH_OPTION).append(" PATH");
        }
        throw CliException.invalid(msg.toString());
    }

    private static boolean looksLikeFile(String s) {
        String lower = s.toLowerCase(Locale.ROOT);
        return s.contains("/") || lower.endsWith(".yaml") || lower.endsWith(".yml") || lower.endsWith(".json");
    }

    /** The file a result came from, for messages: the DAG's source, or the first problem's file. */
    static String fileOf(LoadResult r) {
        if (r.dag() != null && r.dag().source() != null) {
            return r.dag().source();
        }
        return r.problems().stream().map(p -> p.location().file()).filter(f -> f != null).findFirst()
                .orElse("<unknown>");
    }
}
