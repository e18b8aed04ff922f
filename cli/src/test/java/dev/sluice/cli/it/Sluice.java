package dev.sluice.cli.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real CLI (the shaded jar) as a user would, in its own process, with its own SLUICE_HOME. */
final class Sluice {
    static final Path REPO = locateRepo();
    static final Path JAR = REPO.resolve("cli/target/sluice.jar");

    record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    private final Path home;
    private final Path workDir;

    /** @param home SLUICE_HOME, or null for the default {@code .sluice/} in {@code workDir} */
    Sluice(Path home, Path workDir) {
        this.home = home;
        this.workDir = workDir;
    }

    ProcessBuilder builder(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-jar");
        cmd.add(JAR.toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile());
        if (home != null) {
            pb.environment().put("SLUICE_HOME", home.toString());
        } else {
            pb.environment().remove("SLUICE_HOME"); // the default: .sluice/ in workDir
        }
        pb.environment().put("TMPDIR", workDir.toString());
        return pb;
    }

    Process start(Path stdout, Path stderr, String... args) throws IOException {
        return builder(args).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
    }

    Result run(String... args) throws IOException, InterruptedException {
        Path out = Files.createTempFile(workDir, "out", ".txt");
        Path err = Files.createTempFile(workDir, "err", ".txt");
        Process p = start(out, err, args);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("sluice " + String.join(" ", args) + " did not finish in 120 s");
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    static Path example(String name) {
        return REPO.resolve("examples").resolve(name);
    }

    private static Path locateRepo() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("examples/warehouse.yaml"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("cannot find the repository root from " + Path.of("").toAbsolutePath());
        }
        return p;
    }
}
