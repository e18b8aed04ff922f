package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code sluice.yaml} in the current folder (a project made by {@code sluice init}): where the project's handler
 * classes are, and how to build them.
 *
 * <pre>
 * classpath: [target/classes]          # added as --classpath entries (relative to the file)
 * build: [mvn, -q, compile]            # run (no shell) when a build source is newer than the classpath's files
 * build_sources: [pom.xml, src/main]
 * </pre>
 */
public record ProjectFile(Path file, List<Path> classpath, List<String> build, List<Path> buildSources) {
    public static final String NAME = "sluice.yaml";
    private static final Set<String> FIELDS = Set.of("classpath", "build", "build_sources");

    /** The project file of the current folder, if there is one. */
    public static java.util.Optional<ProjectFile> current() {
        Path f = Path.of(NAME);
        return Files.isRegularFile(f) ? java.util.Optional.of(load(f)) : java.util.Optional.empty();
    }

    static ProjectFile load(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw CliException.invalid(file + ": cannot read it: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || root.isNull() || root.isMissingNode()) {
            return new ProjectFile(file, List.of(), List.of(), List.of());
        }
        if (!root.isObject()) {
            throw CliException.invalid(file + ": expected a mapping with classpath, build, build_sources");
        }
        root.fieldNames().forEachRemaining(n -> {
            if (!FIELDS.contains(n)) {
                throw CliException.invalid(file + ": unknown field '" + n + "' (known: classpath, build, "
                        + "build_sources)");
            }
        });
        Path base = file.toAbsolutePath().getParent();
        return new ProjectFile(file, strings(file, root, "classpath").stream().map(base::resolve).toList(),
                strings(file, root, "build"), strings(file, root, "build_sources").stream().map(base::resolve)
                .toList());
    }

    private static List<String> strings(Path file, JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (n.isTextual()) {
            out.add(n.asText());
        } else if (n.isArray()) {
            for (JsonNode e : n) {
                if (!e.isValueNode() || e.isNull()) {
                    throw CliException.invalid(file + ": " + field + " must be a list of strings");
                }
                out.add(e.asText());
            }
        } else {
            throw CliException.invalid(file + ": " + field + " must be a list of strings");
        }
        return List.copyOf(out);
    }

    /**
     * Builds the classes when they are missing or older than a build source, then returns the classpath entries.
     * Messages go to {@code progress}; a failed build fails the command (exit 2) with the build's output.
     */
    public List<Path> prepare(PrintStream progress) {
        if (!build.isEmpty() && stale()) {
            progress.println("sluice.yaml: building the project's classes: " + String.join(" ", build));
            progress.flush();
            runBuild();
        }
        for (Path p : classpath) {
            if (!Files.exists(p)) {
                throw CliException.invalid(file + ": classpath entry " + p + " does not exist"
                        + (build.isEmpty() ? "" : " after the build"));
            }
        }
        return classpath;
    }

    private boolean stale() {
        FileTime classes = newest(classpath);
        if (classes == null) {
            return true;
        }
        FileTime sources = newest(buildSources);
        return sources != null && sources.compareTo(classes) > 0;
    }

    private static FileTime newest(List<Path> roots) {
        FileTime newest = null;
        for (Path r : roots) {
            if (!Files.exists(r)) {
                continue;
            }
            try (Stream<Path> s = Files.walk(r)) {
                for (Path p : (Iterable<Path>) s.filter(Files::isRegularFile)::iterator) {
                    FileTime t = Files.getLastModifiedTime(p);
                    if (newest == null || t.compareTo(newest) > 0) {
                        newest = t;
                    }
                }
            } catch (IOException e) {
                return newest;
            }
        }
        return newest;
    }

    private void runBuild() {
        Path base = file.toAbsolutePath().getParent();
        Path log;
        try {
            log = Files.createTempFile("sluice-build-", ".log");
        } catch (IOException e) {
            throw CliException.invalid("cannot create a log file for the build: " + e.getMessage());
        }
        try {
            Process p = new ProcessBuilder(build).directory(base.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(nullFile())).start();
            int code = p.waitFor();
            if (code != 0) {
                String output = Files.readString(log, StandardCharsets.UTF_8);
                throw CliException.invalid(file + ": the build (" + String.join(" ", build) + ") failed with exit "
                        + code + (output.isBlank() ? "" : ":\n" + output.strip()));
            }
        } catch (IOException e) {
            throw CliException.invalid(file + ": cannot run the build (" + String.join(" ", build) + "): "
                    + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CliException.invalid(file + ": interrupted while building");
        } finally {
            try {
                Files.deleteIfExists(log);
            } catch (IOException e) {
                // a temporary file left behind
            }
        }
    }

    private static java.io.File nullFile() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }
}
