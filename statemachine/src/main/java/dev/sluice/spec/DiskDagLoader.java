package dev.sluice.spec;

import dev.sluice.model.Location;
import dev.sluice.model.Problem;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The engine module's one reader of DAG files on disk (the CLI's files and folders, the statemachine tests): it
 * reads a file, gives {@link DagLoader} its text and a {@link SpecFiles} that reads included files next to it, and
 * scans folders. It lives beside the pure loader only so that every caller shares one folder rule; nothing in the
 * engine's decision path calls it, and a pinned version never does ({@link DagVersionRecord}).
 *
 * <pre>{@code
 * DagLoader.LoadResult r = DiskDagLoader.load(Path.of("dags/warehouse.yaml"));
 * }</pre>
 */
public final class DiskDagLoader {
    private static final Set<String> EXTENSIONS = Set.of(".yaml", ".yml", ".json");

    private DiskDagLoader() {
    }

    public static DagLoader.LoadResult load(Path file) {
        return load(file, LoaderOptions.defaults());
    }

    public static DagLoader.LoadResult load(Path file, LoaderOptions options) {
        String name = file == null ? "<null>" : file.toString();
        String content;
        try {
            content = Files.readString(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            return failed(name, "cannot read: not UTF-8 text");
        } catch (IOException | RuntimeException e) {
            return failed(name, "cannot read: " + describe(e));
        }
        return DagLoader.loadString(content, name, filesNear(file), options);
    }

    /** Reads an included file by its name relative to {@code dagFile}'s folder. */
    public static SpecFiles filesNear(Path dagFile) {
        Path parent = dagFile == null ? null : dagFile.getParent();
        Path base = parent == null ? Path.of("") : parent;
        return name -> {
            Path path;
            try {
                path = base.resolve(name).normalize();
            } catch (InvalidPathException e) {
                throw new SpecFiles.Unreadable("not a valid path");
            }
            try {
                return Files.readString(path, StandardCharsets.UTF_8);
            } catch (IOException | RuntimeException e) {
                throw new SpecFiles.Unreadable(ReadErrors.describe(e));
            }
        };
    }

    /**
     * Loads every file given, and every *.yaml, *.yml and *.json under every folder given (hidden folders and
     * files skipped), sorted by path. In folders, files that are not DAGs are skipped: data files that a DAG
     * names in {@code foreach_file}, and files whose top level is not a mapping with {@code dag_id} or
     * {@code tasks}. Files named directly are always loaded.
     */
    public static List<DagLoader.LoadResult> loadAll(List<Path> pathsOrDirs) {
        return loadAll(pathsOrDirs, LoaderOptions.defaults());
    }

    public static List<DagLoader.LoadResult> loadAll(List<Path> pathsOrDirs, LoaderOptions options) {
        Set<Path> explicit = new LinkedHashSet<>();
        Set<Path> scanned = new LinkedHashSet<>();
        List<DagLoader.LoadResult> failures = new ArrayList<>();
        for (Path p : pathsOrDirs) {
            if (Files.isDirectory(p)) {
                try {
                    scan(p, scanned);
                } catch (IOException | RuntimeException e) {
                    failures.add(failed(p.toString(), "cannot list folder: " + describe(e)));
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
        List<DagLoader.LoadResult> results = new ArrayList<>();
        for (Path p : all) {
            if (scanned.contains(p) && !looksLikeDag(p)) {
                continue;
            }
            order.add(p);
            DagLoader.LoadResult r = load(p, options);
            Path parent = p.toAbsolutePath().getParent();
            for (IncludedFile f : r.included()) {
                try {
                    dataFiles.add(parent.resolve(f.name()).normalize());
                } catch (InvalidPathException e) {
                    // it was read, so it resolves; nothing to skip otherwise
                }
            }
            results.add(r);
        }
        List<DagLoader.LoadResult> out = new ArrayList<>(failures);
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

    private static boolean looksLikeDag(Path p) {
        try {
            return DagLoader.looksLikeDag(Files.readString(p, StandardCharsets.UTF_8), p.toString());
        } catch (IOException | RuntimeException e) {
            return true; // let the real load report it
        }
    }

    private static DagLoader.LoadResult failed(String name, String message) {
        return new DagLoader.LoadResult(null, List.of(Problem.error(Location.of(name), message)));
    }

    private static String describe(Throwable e) {
        return ReadErrors.describe(e);
    }
}
