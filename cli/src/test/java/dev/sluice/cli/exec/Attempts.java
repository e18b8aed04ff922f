package dev.sluice.cli.exec;

import dev.sluice.model.TaskSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** Builds attempts for executor tests. */
final class Attempts {
    private Attempts() {
    }

    static Attempt command(Path dir, String command, Duration timeout, Map<String, String> env) {
        TaskSpec spec = TaskSpec.builder("t").command(command).build();
        return new Attempt("d", "manual__1", "t", -1, 1, 2, spec, command, env, timeout,
                dir.resolve("logs/d/manual__1/t/1.log"), null);
    }

    static Attempt command(Path dir, String command) {
        return command(dir, command, null, Map.of());
    }

    static Attempt handler(Path dir, String className, Duration timeout) {
        TaskSpec spec = TaskSpec.builder("h").handler(className).build();
        return new Attempt("d", "manual__1", "h", -1, 1, 1, spec, null, Map.of(), timeout,
                dir.resolve("logs/h/1.log"), null);
    }
}
