package dev.sluice.spec;

import java.util.Objects;

/**
 * A file that a DAG included ({@code foreach_file}) and the content the loader read from it.
 *
 * @param name    the name as the DAG wrote it, relative to the DAG file's folder
 * @param content the text the loader used
 */
public record IncludedFile(String name, String content) {
    public IncludedFile {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(content, "content");
    }
}
