package dev.sluice.cli.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A recorded try's process group is ended only when it is still the recorded one. */
class TryProcessesTest {
    @TempDir
    Path dir;

    private Process group() throws Exception {
        assertThat(ProcessTree.setsidAvailable() && Files.isDirectory(Path.of("/proc/self")))
                .as("this test needs Linux with setsid and /proc").isTrue();
        return new ProcessBuilder(ProcessTree.SETSID.toString(), "/bin/sh", "-c", "sleep 60; true")
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true).start();
    }

    @Test
    void aPidWithAnotherStartTimeIsNeverSignalled() throws Exception {
        Process p = group();
        try {
            Path log = dir.resolve("t/1.log");
            Files.createDirectories(log.getParent());
            long start = ProcessTree.startTime(p.pid());
            assertThat(start).isPositive();
            var other = new TryProcesses.Recorded(p.pid(), start + 1, ProcessTree.bootId());
            Files.writeString(TryProcesses.fileFor(log), other.line());
            assertThat(TryProcesses.endLeftovers(dir, Duration.ofSeconds(2), Clock.systemUTC())).isEmpty();
            assertThat(p.isAlive()).isTrue();
            assertThat(TryProcesses.fileFor(log)).doesNotExist();

            TryProcesses.record(log, p.pid());
            var ended = TryProcesses.endLeftovers(dir, Duration.ofSeconds(2), Clock.systemUTC());
            assertThat(ended).containsOnlyKeys(log);
            assertThat(ended.get(log)).contains("still running", "process group " + p.pid());
            assertThat(ProcessTree.groupRunning(p.pid())).isFalse();
            assertThat(Files.readString(log)).contains("ended it before running it again");
            assertThat(TryProcesses.fileFor(log)).doesNotExist();
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void aTryRecordedBeforeARebootIsForgotten() throws Exception {
        Process p = group();
        try {
            Path log = dir.resolve("2.log");
            var stale = new TryProcesses.Recorded(p.pid(), ProcessTree.startTime(p.pid()), "another-boot");
            Files.writeString(TryProcesses.fileFor(log), stale.line());
            assertThat(TryProcesses.endLeftovers(dir, Duration.ofSeconds(2), Clock.systemUTC())).isEmpty();
            assertThat(p.isAlive()).isTrue();
        } finally {
            p.destroyForcibly();
        }
    }
}
