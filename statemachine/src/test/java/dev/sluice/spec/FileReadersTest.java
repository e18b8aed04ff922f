package dev.sluice.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The engine module reads files in two named places only (java.net is allowed only for its URI and URL-encoding
 * classes, which do no I/O) (docs/architecture.md, "The spec loader's I/O"): the disk
 * loader and the policy file. Everything else, the loader included, gets its input as values or through a port.
 */
class FileReadersTest {
    private static final Pattern FILE_IO = Pattern.compile(
            "java\\.nio\\.file\\.Files|java\\.io\\.File(InputStream|Reader|OutputStream|Writer)?\\b"
                    + "|java\\.net\\.(?!URLEncoder\\b|URLDecoder\\b|URI\\b|URISyntaxException\\b)");

    @Test
    void onlyTheDiskLoaderAndThePolicyFileReadFiles() throws IOException {
        Path main = Path.of("src/main/java");
        assertThat(main).isDirectory();
        List<String> readers;
        try (Stream<Path> files = Files.walk(main)) {
            readers = files.filter(p -> p.toString().endsWith(".java")).filter(p -> {
                try {
                    return FILE_IO.matcher(Files.readString(p)).find();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }).map(p -> main.relativize(p).toString().replace('\\', '/')).sorted().toList();
        }
        assertThat(readers).containsExactly("dev/sluice/spec/DiskDagLoader.java", "dev/sluice/spec/Policy.java");
    }
}
