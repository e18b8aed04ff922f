package dev.sluice.examples.warehouse;

import dev.sluice.api.TaskContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * The simulated warehouse: a folder per logical date, with one file per "table". Writing a partition replaces it,
 * so re-running a day is idempotent. The folder is the {@code work_dir} param; by default {@code work/} in the local
 * Sluice home ({@code $SLUICE_HOME}, else {@code .sluice/}), so a local run writes nothing outside the workspace; on
 * AWS Lambda (read-only but for {@code /tmp}) the function's temp folder.
 */
final class Work {
    private Work() {
    }

    static Path dir(TaskContext ctx) {
        Object base = ctx.params().get("work_dir");
        Path root = base != null ? Path.of(base.toString()) : defaultRoot(System.getenv());
        Path dir = root.resolve(ctx.dagId()).resolve(ctx.ds());
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /** Where the warehouse lives when the DAG names no {@code work_dir}. */
    static Path defaultRoot(java.util.Map<String, String> env) {
        if (env.get("AWS_LAMBDA_FUNCTION_NAME") != null) {
            return Path.of(System.getProperty("java.io.tmpdir"), "sluice-warehouse");
        }
        String home = env.get("SLUICE_HOME");
        return (home != null && !home.isBlank() ? Path.of(home) : Path.of(".sluice")).resolve("work");
    }

    /** Replaces the partition {@code name} with {@code rows}; returns the row count. */
    static int writePartition(TaskContext ctx, String name, List<String> rows) {
        Path file = dir(ctx).resolve(name + ".csv");
        try {
            Path tmp = file.resolveSibling(name + ".csv.tmp");
            Files.write(tmp, rows, StandardCharsets.UTF_8);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ctx.log("wrote " + rows.size() + " rows to " + file);
        return rows.size();
    }

    static List<String> readPartition(TaskContext ctx, String name) {
        Path file = dir(ctx).resolve(name + ".csv");
        try {
            return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void append(TaskContext ctx, String name, String line) {
        try {
            Files.writeString(dir(ctx).resolve(name), line + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int intParam(TaskContext ctx, String name, int dflt) {
        Object v = ctx.params().get(name);
        return v instanceof Number n ? n.intValue() : v != null ? Integer.parseInt(v.toString()) : dflt;
    }

    static void sleep(TaskContext ctx) {
        int ms = intParam(ctx, "simulate_ms", 20);
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }
}
