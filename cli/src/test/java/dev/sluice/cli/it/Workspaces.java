package dev.sluice.cli.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** A fresh folder laid out as a user's checkout: the repository's example DAGs under {@code examples/}. */
final class Workspaces {
    private Workspaces() {
    }

    /** Copies the example DAG files (and the files they include) into {@code dir/examples}; returns {@code dir}. */
    static Path withExamples(Path dir) {
        Path from = Sluice.REPO.resolve("examples");
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path rel = from.relativize(f);
                if (rel.startsWith("src") || rel.startsWith("target") || rel.toString().equals("pom.xml")) {
                    continue;
                }
                Path to = dir.resolve("examples").resolve(rel.toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(f, to);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /**
     * Splits a command line as a POSIX shell would for the simple commands the docs show: words separated by
     * spaces, single and double quotes grouping (and removed), a backslash escaping the next character outside
     * single quotes. Stops at an unquoted {@code |}, {@code >}, {@code <}, {@code ;}, {@code &} or {@code #}.
     */
    static List<String> words(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder w = null;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote == '\'') {
                if (c == '\'') {
                    quote = 0;
                } else {
                    w.append(c);
                }
            } else if (quote == '"') {
                if (c == '"') {
                    quote = 0;
                } else if (c == '\\' && i + 1 < line.length()) {
                    w.append(line.charAt(++i));
                } else {
                    w.append(c);
                }
            } else if (c == '\'' || c == '"') {
                w = w == null ? new StringBuilder() : w;
                quote = c;
            } else if (c == '\\' && i + 1 < line.length()) {
                w = w == null ? new StringBuilder() : w;
                w.append(line.charAt(++i));
            } else if (Character.isWhitespace(c)) {
                if (w != null) {
                    out.add(w.toString());
                    w = null;
                }
            } else if ("|><;&#".indexOf(c) >= 0) {
                break;
            } else {
                w = w == null ? new StringBuilder() : w;
                w.append(c);
            }
        }
        if (w != null) {
            out.add(w.toString());
        }
        return out;
    }
}
