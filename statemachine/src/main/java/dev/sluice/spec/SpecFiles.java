package dev.sluice.spec;

import java.util.Map;
import java.util.Objects;

/**
 * The loader's port for the files a DAG includes ({@code foreach_file}). The loader itself reads nothing: it asks
 * this port for a name as the DAG wrote it, relative to the DAG file's folder, and gets the content back or
 * {@link Unreadable}. The disk reader is {@link DiskDagLoader#filesNear}; a pinned version reads from its record
 * ({@link #of}); on AWS the coordinator reads from the bucket next to the DAG file.
 *
 * <pre>{@code
 * SpecFiles pinned = SpecFiles.of(Map.of("config/tables.yaml", "orders: {}\n"));
 * DagLoader.LoadResult r = DagLoader.loadString(text, "dags/dynamic.yaml", pinned);
 * }</pre>
 */
@FunctionalInterface
public interface SpecFiles {
    /**
     * The content of the included file {@code name} (as the DAG wrote it, relative to the DAG file's folder).
     *
     * @throws Unreadable when there is no such file or it cannot be read; its message says why, in words
     */
    String read(String name) throws Unreadable;

    /** An included file that cannot be read; the message goes into the loader's problem as is. */
    final class Unreadable extends Exception {
        private static final long serialVersionUID = 1L;

        public Unreadable(String message) {
            super(message);
        }
    }

    /** Reads nothing: every included file is {@link Unreadable}. For a DAG given as text alone. */
    static SpecFiles none() {
        return name -> {
            throw new Unreadable("no included files were given with this DAG text");
        };
    }

    /** The files in {@code files}, by name exactly as the DAG wrote it: what a pinned version holds. */
    static SpecFiles of(Map<String, String> files) {
        Map<String, String> copy = Map.copyOf(files);
        return name -> {
            String content = copy.get(Objects.requireNonNull(name, "name"));
            if (content == null) {
                throw new Unreadable("the pinned version holds no file '" + name + "'");
            }
            return content;
        };
    }
}
