package dev.sluice.cli.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(10)
class CommandExecutionTest {
    private final LocalTaskExecutor executor =
            new LocalTaskExecutor(java.util.List.of(), Duration.ofSeconds(2), java.time.Clock.systemUTC());

    @TempDir
    Path dir;

    @Test
    void lastStdoutLineThatIsJsonIsTheOutput() {
        Outcome o = executor.execute(Attempts.command(dir, "echo working; echo '{\"rows\": 3}'; echo >&2 noise; echo"));
        assertThat(o).isEqualTo(new Outcome.Succeeded("{\"rows\": 3}"));
    }

    @Test
    void lastStdoutLineThatIsNotJsonBecomesAJsonString() {
        assertThat(executor.execute(Attempts.command(dir, "echo 'loaded \"orders\"'")))
                .isEqualTo(new Outcome.Succeeded("\"loaded \\\"orders\\\"\""));
        assertThat(executor.execute(Attempts.command(dir, "echo 1 2")))
                .isEqualTo(new Outcome.Succeeded("\"1 2\""));
        assertThat(executor.execute(Attempts.command(dir, "true"))).isEqualTo(new Outcome.Succeeded(null));
    }

    @Test
    void exit99IsSkipped() {
        assertThat(executor.execute(Attempts.command(dir, "echo 'no file today' >&2; exit 99")))
                .isEqualTo(new Outcome.Skipped("no file today"));
    }

    @Test
    void otherExitCodesFailRetryablyWithTheLastStderrLine() {
        assertThat(executor.execute(Attempts.command(dir, "echo first >&2; echo 'disk full' >&2; exit 3")))
                .isEqualTo(new Outcome.Failed("exit code 3: disk full", true));
    }

    @Test
    void commandNotFoundFailsWithoutRetry() {
        Outcome o = executor.execute(Attempts.command(dir, "cd . && no-such-tool-xyz --flag"));
        assertThat(o).isInstanceOf(Outcome.Failed.class);
        Outcome.Failed f = (Outcome.Failed) o;
        assertThat(f.retryable()).isFalse();
        assertThat(f.error()).startsWith("command not found: no-such-tool-xyz");
    }

    @Test
    void environmentCarriesTheAttemptVariables() throws IOException {
        Attempt a = Attempts.command(dir, "echo \"$SLUICE_TASK_ID/$SLUICE_TRY_NUMBER/$HOME_SET\"", null,
                Map.of("SLUICE_TASK_ID", "load", "SLUICE_TRY_NUMBER", "2", "HOME_SET", System.getenv("HOME") == null
                        ? "none" : "yes"));
        String expected = "load/2/" + (System.getenv("HOME") == null ? "none" : "yes");
        assertThat(executor.execute(a)).isEqualTo(new Outcome.Succeeded("\"" + expected + "\""));
        // The current environment is inherited too.
        assertThat(executor.execute(Attempts.command(dir, "test -n \"$PATH\" && echo ok")))
                .isEqualTo(new Outcome.Succeeded("\"ok\""));
    }

    @Test
    void stdinIsEmpty() {
        assertThat(executor.execute(Attempts.command(dir, "cat; echo done")))
                .isEqualTo(new Outcome.Succeeded("\"done\""));
    }

    @Test
    void templateValuesComeFromTheEnvironmentAndTheLogShowsThemApart() throws IOException {
        String hostile = "$(touch pwned); `touch pwned` '\"";
        dev.sluice.template.ShellCommand c = new dev.sluice.template.TemplateRenderer()
                .renderCommand("printf '%s' \"${NAME:-'{{ x }}'}\" >/dev/null; printf '%s' {{ x }}", Map.of("x", hostile));
        Attempt a = Attempts.command(dir, c.script(), null, c.values());

        assertThat(executor.execute(a)).isEqualTo(new Outcome.Succeeded(dev.sluice.engine.Json.write(hostile)));
        assertThat(dir.resolve("pwned")).doesNotExist();
        assertThat(Files.exists(Path.of("pwned"))).isFalse();
        String log = Files.readString(a.logFile());
        assertThat(log).contains("command: " + c.script()).contains("sluice:   with SLUICE_V_1=\"$(touch pwned)");
    }

    @Test
    void logFileGetsHeaderOutputAndExitStatus() throws IOException {
        Attempt a = Attempts.command(dir, "echo to-out; echo to-err >&2; exit 3");
        executor.execute(a);
        executor.execute(a); // appended, not overwritten
        String log = Files.readString(a.logFile());
        assertThat(log).contains("sluice: dag d, run manual__1, task t, try 1/2: command: echo to-out")
                .contains("to-out\n").contains("to-err\n").contains("sluice: exit code 3 after");
        assertThat(log.split("to-out\n", -1)).hasSize(3);
    }

    @Test
    void timeoutKillsTheWholeProcessGroup() throws Exception {
        Path pids = dir.resolve("pids");
        Attempt a = Attempts.command(dir, "sleep 30 & echo $$ $! > " + pids + "; wait", Duration.ofMillis(300),
                Map.of());
        long start = System.nanoTime();
        Outcome o = executor.execute(a);
        assertThat(o).isEqualTo(new Outcome.TimedOut(Duration.ofMillis(300)));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        String[] ids = Files.readString(pids).trim().split(" ");
        long shell = Long.parseLong(ids[0]);
        long sleeper = Long.parseLong(ids[1]);
        assertThat(ProcessTree.isRunning(shell)).isFalse();
        assertThat(ProcessTree.isRunning(sleeper)).isFalse();
        assertThat(ProcessTree.groupRunning(shell)).isFalse();
        assertThat(Files.readString(a.logFile())).contains("timed out after PT0.3S; stopping its process group");
    }

    @Test
    void aTermIgnoringCommandIsKilledAfterTheGrace() throws Exception {
        LocalTaskExecutor quick = new LocalTaskExecutor(java.util.List.of(), Duration.ofMillis(200),
                java.time.Clock.systemUTC());
        Path pids = dir.resolve("pids");
        Attempt a = Attempts.command(dir, "trap '' TERM; echo $$ > " + pids + "; while true; do sleep 0.05; done",
                Duration.ofMillis(300), Map.of());
        assertThat(quick.execute(a)).isInstanceOf(Outcome.TimedOut.class);
        long shell = Long.parseLong(Files.readString(pids).trim());
        assertThat(ProcessTree.groupRunning(shell)).isFalse();
    }

    @Test
    void backgroundProcessesDoNotHoldTheTryOpen() {
        long start = System.nanoTime();
        Outcome o = executor.execute(Attempts.command(dir, "sleep 30 & echo started"));
        assertThat(o).isEqualTo(new Outcome.Succeeded("\"started\""));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void interruptStopsTheProcessGroupQuickly() throws Exception {
        Path pids = dir.resolve("pids");
        Attempt a = Attempts.command(dir, "echo $$ > " + pids + "; sleep 30 & wait");
        AtomicReference<Outcome> result = new AtomicReference<>();
        AtomicReference<Boolean> flag = new AtomicReference<>();
        Thread t = new Thread(() -> {
            result.set(executor.execute(a));
            flag.set(Thread.currentThread().isInterrupted());
        });
        t.start();
        waitFor(pids);
        long shell = Long.parseLong(Files.readString(pids).trim());
        assertThat(ProcessTree.groupRunning(shell)).isTrue(); // the check below is not vacuous
        long start = System.nanoTime();
        t.interrupt();
        t.join(3000);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        assertThat(result.get()).isEqualTo(new Outcome.Failed("interrupted", true));
        assertThat(flag.get()).isTrue();
        assertThat(ProcessTree.groupRunning(shell)).isFalse();
    }

    @Test
    void withoutSetsidTheShellAndItsDescendantsAreStillKilled() throws Exception {
        // The fallback used where /usr/bin/setsid does not exist (macOS).
        CommandRunner runner = new CommandRunner(false, Duration.ofMillis(500));
        Path pids = dir.resolve("pids");
        Attempt a = Attempts.command(dir, "sleep 30 & echo $$ $! > " + pids + "; wait", Duration.ofMillis(300),
                Map.of());
        try (AttemptLog log = AttemptLog.open(a.logFile(), java.time.Clock.systemUTC())) {
            assertThat(runner.run(a, log)).isEqualTo(new Outcome.TimedOut(Duration.ofMillis(300)));
        }
        String[] ids = Files.readString(pids).trim().split(" ");
        assertThat(ProcessTree.isRunning(Long.parseLong(ids[0]))).isFalse();
        assertThat(ProcessTree.isRunning(Long.parseLong(ids[1]))).isFalse();
    }

    @Test
    void runsInItsOwnProcessGroup() throws Exception {
        Path ids = dir.resolve("ids");
        executor.execute(Attempts.command(dir, "cut -d' ' -f5 /proc/$$/stat > " + ids + "; echo $$ >> " + ids));
        String[] lines = Files.readString(ids).trim().split("\\s+");
        if (ProcessTree.setsidAvailable()) {
            assertThat(lines[0]).isEqualTo(lines[1]);
        }
    }

    @Test
    void emptyAndFunctionTasks() {
        var empty = dev.sluice.model.TaskSpec.builder("e").empty().build();
        var fn = dev.sluice.model.TaskSpec.builder("f").function("arn:aws:lambda:eu-west-1:1:function:x").build();
        Attempt e = new Attempt("d", "r", "e", -1, 1, 1, empty, null, Map.of(), null, dir.resolve("e.log"), null);
        Attempt f = new Attempt("d", "r", "f", -1, 1, 1, fn, null, Map.of(), null, dir.resolve("f.log"), null);
        assertThat(executor.execute(e)).isEqualTo(new Outcome.Succeeded(null));
        assertThat(Files.exists(dir.resolve("e.log"))).isFalse();
        Outcome o = executor.execute(f);
        assertThat(o).isInstanceOf(Outcome.Failed.class);
        assertThat(((Outcome.Failed) o).retryable()).isFalse();
        assertThat(((Outcome.Failed) o).error()).startsWith("function tasks need the AWS runtime");
    }

    private static void waitFor(Path file) throws InterruptedException, IOException {
        for (int i = 0; i < 200; i++) {
            if (Files.exists(file) && !Files.readString(file).isBlank()) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("command did not start: " + file);
    }
}
