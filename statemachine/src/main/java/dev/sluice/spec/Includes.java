package dev.sluice.spec;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The included files of one load: reads each name once through {@link SpecFiles} (two blocks naming one file see
 * one content) and remembers what was read, for {@link DagLoader.LoadResult#included()}.
 */
final class Includes {
    private final SpecFiles files;
    private final Path baseDir;
    private final Map<String, String> read = new LinkedHashMap<>();

    Includes(SpecFiles files, Path baseDir) {
        this.files = files;
        this.baseDir = baseDir;
    }

    /** The name resolved against the DAG file's folder, for messages; a path computation only. */
    String display(String name) throws InvalidPathException {
        return (baseDir == null ? Path.of(name) : baseDir.resolve(name)).normalize().toString();
    }

    String read(String name) throws SpecFiles.Unreadable {
        String content = read.get(name);
        if (content == null) {
            content = files.read(name);
            if (content == null) {
                throw new SpecFiles.Unreadable("no content");
            }
            read.put(name, content);
        }
        return content;
    }

    List<IncludedFile> included() {
        List<IncludedFile> out = new ArrayList<>();
        read.forEach((k, v) -> out.add(new IncludedFile(k, v)));
        return out;
    }
}
