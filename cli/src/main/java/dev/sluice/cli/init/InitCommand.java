package dev.sluice.cli.init;

import dev.sluice.cli.CliCommand;
import dev.sluice.cli.CliException;
import dev.sluice.cli.ExitCodes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code sluice init DIR}: a new project that builds, tests and runs at once. */
@Command(name = "init", description = {
        "Create a new Sluice project in DIR (a new or empty folder).",
        "It has dags/ with an example DAG (a command and a handler task).",
        "A Maven module holds the handler, its unit test and a DAG test.",
        "It also has a DAG integrity test, policy.yaml, sluice.yaml and a README.",
        "Then, in DIR: mvn test, and sluice run dags/hello.yaml."})
public final class InitCommand extends CliCommand {
    private static final String TEMPLATES = "/dev/sluice/cli/init/";

    @Parameters(index = "0", paramLabel = "DIR", description = "The folder to create the project in.")
    Path dir;

    @Override
    protected int run() {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw CliException.invalid(dir + " is a file; sluice init creates a project in a new or empty folder");
        }
        if (Files.isDirectory(dir) && !isEmpty(dir)) {
            throw CliException.invalid(dir + " is not empty; sluice init creates a project in a new or empty folder"
                    + " (nothing was written)");
        }
        KitArtifacts kit = KitArtifacts.locate();
        String artifactId = artifactId(dir);
        List<Path> written = new ArrayList<>();
        try {
            Files.createDirectories(dir);
            for (String line : template("files.txt").split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] parts = line.trim().split("\\s+");
                String text = template(parts[0]).replace("@KIT_VERSION@", kit.version())
                        .replace("@ARTIFACT_ID@", artifactId);
                written.add(write(dir.resolve(parts[1]), text));
            }
            Path repo = dir.resolve("lib/repo/dev/sluice");
            Path apiDir = repo.resolve("sluice-api").resolve(kit.version());
            Path kitDir = repo.resolve("sluice-testkit").resolve(kit.version());
            Files.createDirectories(apiDir);
            Files.createDirectories(kitDir);
            Files.copy(kit.apiJar(), apiDir.resolve("sluice-api-" + kit.version() + ".jar"));
            write(apiDir.resolve("sluice-api-" + kit.version() + ".pom"), apiPom(kit.version()));
            Files.copy(kit.kitJar(), kitDir.resolve("sluice-testkit-" + kit.version() + ".jar"));
            write(kitDir.resolve("sluice-testkit-" + kit.version() + ".pom"),
                    kit.kitPom().replace("@KIT_VERSION@", kit.version()));
        } catch (IOException e) {
            throw CliException.invalid("cannot write the project in " + dir + ": " + e.getMessage());
        }
        out().println("created a Sluice project in " + dir + " (" + written.size() + " files, and lib/repo with "
                + "sluice-api and sluice-testkit " + kit.version() + ")");
        out().println("next:");
        out().println("  cd " + dir);
        out().println("  mvn -q test                  # the handler's unit test, the DAG test, the integrity test");
        out().println("  sluice run dags/hello.yaml   # builds target/classes when needed (sluice.yaml), then runs");
        out().println("see README.md there");
        return ExitCodes.OK;
    }

    private static boolean isEmpty(Path d) {
        try (Stream<Path> s = Files.list(d)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            throw CliException.invalid("cannot read " + d + ": " + e.getMessage());
        }
    }

    /** The folder's name as a Maven artifact id: lower case letters, digits and dashes. */
    static String artifactId(Path d) {
        Path name = d.toAbsolutePath().normalize().getFileName();
        String s = name == null ? "" : name.toString().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-")
                .replaceAll("^-+|-+$", "");
        return s.isEmpty() ? "pipeline" : s;
    }

    private static String template(String name) throws IOException {
        try (InputStream in = InitCommand.class.getResourceAsStream(TEMPLATES + name)) {
            if (in == null) {
                throw new IllegalStateException("template " + name + " is missing from the sluice jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static Path write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    private static String apiPom(String version) {
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>dev.sluice</groupId>
                  <artifactId>sluice-api</artifactId>
                  <version>%s</version>
                  <description>Sluice's task API: Task, TaskContext, SkipTask, NonRetryableTaskException</description>
                </project>
                """.formatted(version);
    }
}
