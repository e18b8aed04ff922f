package dev.sluice.cli.exec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.output.LineCapture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A task's output is never cut without a word, and a line of any length is logged with bounded memory. */
@Timeout(120)
class CommandOutputLimitTest {
    private final LocalTaskExecutor executor = new LocalTaskExecutor(List.of(), Duration.ofSeconds(2),
            Clock.systemUTC());

    @TempDir
    Path dir;

    @Test
    void anOutputOfExactlyTheLimitIsKeptWhole() {
        Outcome o = executor.execute(Attempts.command(dir,
                "head -c " + (LineCapture.MAX_OUTPUT_BYTES - 2) + " /dev/zero | tr '\\0' x | sed 's/.*/\"&\"/'"));

        assertThat(o).isInstanceOf(Outcome.Succeeded.class);
        assertThat(((Outcome.Succeeded) o).outputJson()).hasSize(LineCapture.MAX_OUTPUT_BYTES);
    }

    @Test
    void anOutputOverTheLimitFailsTheTryNamingTheLimitAndTheLogSaysIt() throws IOException {
        Attempt a = Attempts.command(dir, "echo '[1,2]'; head -c " + (LineCapture.MAX_OUTPUT_BYTES + 1)
                + " /dev/zero | tr '\\0' x; echo");

        Outcome o = executor.execute(a);

        assertThat(o).isInstanceOf(Outcome.Failed.class);
        Outcome.Failed f = (Outcome.Failed) o;
        assertThat(f.error()).contains("1 MiB").contains((LineCapture.MAX_OUTPUT_BYTES + 1) + " bytes");
        assertThat(f.retryable()).isFalse();
        String log = Files.readString(a.logFile(), StandardCharsets.UTF_8);
        assertThat(log).contains("x".repeat(LineCapture.MAX_OUTPUT_BYTES + 1)).contains("over the limit of 1 MiB");
    }

    @Test
    void aLineFarLargerThanTheHeapIsLoggedWithoutRunningOutOfMemory() throws Exception {
        long bytes = 96L << 20;
        Path log = dir.resolve("big.log");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx32m", "-cp", System.getProperty("java.class.path"), HugeLineProbe.class.getName(),
                dir.toString(), "head -c " + bytes + " /dev/zero | tr '\\0' x")
                .redirectErrorStream(true).redirectOutput(dir.resolve("probe.out").toFile()).start();
        assertThat(p.waitFor(100, TimeUnit.SECONDS)).isTrue();

        String probe = Files.readString(dir.resolve("probe.out"));
        assertThat(probe).doesNotContain("OutOfMemoryError").contains("Failed").contains("1 MiB");
        assertThat(p.exitValue()).isZero();
        Path written = Files.list(dir.resolve("logs/d/manual__1/t")).findFirst().orElseThrow();
        assertThat(Files.size(written)).isGreaterThan(bytes);
        assertThat(log).doesNotExist();
    }

    /** Runs one command try in a JVM with a small heap and prints its outcome. */
    public static final class HugeLineProbe {
        public static void main(String[] args) {
            LocalTaskExecutor executor = new LocalTaskExecutor(List.of(), Duration.ofSeconds(2), Clock.systemUTC());
            System.out.println(executor.execute(Attempts.command(Path.of(args[0]), args[1])));
        }
    }
}
