package dev.sluice.cli;

import dev.sluice.spec.DagLoader.LoadResult;
import dev.sluice.spec.DiskDagLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Finding and loading DAG files for the commands. */
final class DagFiles {
    private DagFiles() {
    }

    /** {@code dags/} when it exists in the current folder, else {@code examples/}. */
    static Path defaultFolder() {
        Path dags = Path.of("dags");
        if (Files.isDirectory(dags)) {
            return dags;
        }
        Path examples = Path.of("examples");
        if (Files.isDirectory(examples)) {
            return examples;
        }
        throw CliException.invalid("no dags/ or examples/ folder in " + Path.of("").toAbsolutePath()
                + "; give a PATH");
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

    /** Loads one folder or file for {@code dags list|show}, failing clearly when it is missing. */
    static List<LoadResult> loadExisting(Path path) {
        List<String> missing = missing(List.of(path));
        if (!missing.isEmpty()) {
            throw CliException.invalid(path + ": no such file or directory");
        }
        return load(List.of(path));
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
