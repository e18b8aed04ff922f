package dev.sluice.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Sluice home that this user cannot write: commands that only show state (runs list, runs show, tasks logs) still
 * work on its database, and a command that would write is refused in one sentence (exit 2), as is a read-only home
 * that holds no database. As root, permissions do not apply, so the commands then run as the user nobody.
 */
class ReadOnlyHomeIT {
    @TempDir
    Path dir;

    private static boolean root() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("id", "-u").start();
        String uid = new String(p.getInputStream().readAllBytes()).strip();
        p.waitFor();
        return uid.equals("0");
    }

    /** Runs sluice as a user that cannot write {@code home}. */
    private Sluice.Result asReader(Path home, String... args) throws Exception {
        ProcessBuilder pb = new Sluice(home, dir).builder(args);
        if (root()) {
            // nobody may not reach the checkout (a clone under /root): it runs a copy of the jar from here
            Path jar = dir.resolve("sluice.jar");
            if (!Files.exists(jar)) {
                Files.copy(Sluice.JAR, jar);
                Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
            }
            List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"));
            for (String arg : pb.command()) {
                cmd.add(arg.equals(Sluice.JAR.toString()) ? jar.toString() : arg);
            }
            pb.command(cmd);
            pb.environment().put("HOME", dir.toString());
        }
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).as("sluice %s finished", List.of(args))
                .isTrue();
        return new Sluice.Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static void readOnly(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.toList()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(
                        Files.isDirectory(p) ? "r-xr-xr-x" : "r--r--r--"));
            }
        }
    }

    @Test
    void showCommandsReadAReadOnlyHomeAndWritesAreRefusedInOneSentence() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx")); // the reader's temp files
        Path dag = dir.resolve("ro.yaml");
        Files.writeString(dag, "dag_id: ro\ntasks:\n  - {task_id: hello, command: 'echo hello-from-the-log'}\n");
        Files.setPosixFilePermissions(dag, PosixFilePermissions.fromString("rw-r--r--"));
        Path home = dir.resolve("home");
        Sluice.Result ran = new Sluice(home, dir).run("run", dag.toString(), "--date", "2024-06-01");
        assertThat(ran.exit()).as(ran.toString()).isZero();
        String runId = "ro.manual__2024-06-01T00:00:00Z";
        readOnly(home);
        try {
            Sluice.Result list = asReader(home, "runs", "list");
            assertThat(list.exit()).as(list.toString()).isZero();
            assertThat(list.out()).contains(runId, "success");

            Sluice.Result show = asReader(home, "runs", "show", runId);
            assertThat(show.exit()).as(show.toString()).isZero();
            assertThat(show.out()).contains("hello", "success");

            Sluice.Result logs = asReader(home, "tasks", "logs", runId, "hello");
            assertThat(logs.exit()).as(logs.toString()).isZero();
            assertThat(logs.out()).contains("hello-from-the-log");

            Sluice.Result write = asReader(home, "run", dag.toString(), "--date", "2024-06-02");
            assertThat(write.exit()).as(write.toString()).isEqualTo(2);
            assertThat(write.err().strip().lines()).hasSize(1);
            assertThat(write.err()).contains("cannot be written by this user").doesNotContain("Exception");
        } finally {
            Files.walk(home).forEach(p -> p.toFile().setWritable(true, true));
        }

        Path empty = Files.createDirectory(dir.resolve("empty"));
        readOnly(empty);
        Sluice.Result none = asReader(empty, "runs", "list");
        assertThat(none.exit()).as(none.toString()).isEqualTo(2);
        assertThat(none.err()).contains("holds no database").doesNotContain("Exception");
        empty.toFile().setWritable(true, true);
    }
}
