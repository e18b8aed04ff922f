package dev.sluice.cli.exec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.NonRetryableTaskException;
import dev.sluice.api.SkipTask;
import dev.sluice.api.Task;
import dev.sluice.api.TaskContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(10)
class HandlerExecutionTest {
    private final LocalTaskExecutor executor = new LocalTaskExecutor(List.of(), Duration.ofSeconds(2),
            Clock.systemUTC());

    @TempDir
    Path dir;

    public static final class Loads implements Task {
        @Override
        public Object run(TaskContext ctx) {
            ctx.log("loading for " + ctx.taskId() + " try " + ctx.tryNumber());
            return Map.of("loaded", 42);
        }
    }

    public static final class Greets implements Task {
        @Override
        public Object run(TaskContext ctx) {
            return "hello";
        }
    }

    public static final class Skips implements Task {
        @Override
        public Object run(TaskContext ctx) {
            throw new SkipTask("no data for today");
        }
    }

    public static final class Refuses implements Task {
        @Override
        public Object run(TaskContext ctx) {
            throw new NonRetryableTaskException("bad input");
        }
    }

    public static final class Flaky implements Task {
        @Override
        public Object run(TaskContext ctx) {
            throw new IllegalStateException("api returned 503");
        }
    }

    public static final class Sleeps implements Task {
        /** Counted down when a try starts its work, so a test acts on a running try, not after a guessed delay. */
        static volatile java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);

        @Override
        public Object run(TaskContext ctx) throws InterruptedException {
            started.countDown();
            Thread.sleep(30_000); // the work the try is doing
            return null;
        }
    }

    public static final class NeedsArgs implements Task {
        public NeedsArgs(String x) {
        }

        @Override
        public Object run(TaskContext ctx) {
            return null;
        }
    }

    public static final class NotATask {
    }

    @Test
    void returnValueBecomesJsonAndLogLinesGoToTheLogFile() throws Exception {
        Attempt a = Attempts.handler(dir, Loads.class.getName(), null);
        assertThat(executor.execute(a)).isEqualTo(new Outcome.Succeeded("{\"loaded\":42}"));
        String log = Files.readString(a.logFile());
        assertThat(log).contains("handler: " + Loads.class.getName()).contains("[h] loading for h try 1")
                .contains("succeeded after");
    }

    @Test
    void aStringReturnIsAJsonString() {
        assertThat(executor.execute(Attempts.handler(dir, Greets.class.getName(), null)))
                .isEqualTo(new Outcome.Succeeded("\"hello\""));
    }

    @Test
    void skipNonRetryableAndOtherFailures() throws Exception {
        assertThat(executor.execute(Attempts.handler(dir, Skips.class.getName(), null)))
                .isEqualTo(new Outcome.Skipped("no data for today"));
        assertThat(executor.execute(Attempts.handler(dir, Refuses.class.getName(), null)))
                .isEqualTo(new Outcome.Failed("NonRetryableTaskException: bad input", false));
        Attempt flaky = Attempts.handler(dir, Flaky.class.getName(), null);
        assertThat(executor.execute(flaky))
                .isEqualTo(new Outcome.Failed("IllegalStateException: api returned 503", true));
        assertThat(Files.readString(flaky.logFile())).contains("java.lang.IllegalStateException: api returned 503")
                .contains("at " + Flaky.class.getName() + ".run");
    }

    @Test
    void classProblemsFailWithoutRetryAndSayWhy() {
        assertThat(executor.execute(Attempts.handler(dir, "com.example.Missing", null)))
                .isEqualTo(new Outcome.Failed(
                        "handler class com.example.Missing not found on the classpath (add --classpath JAR)", false));
        assertThat(executor.execute(Attempts.handler(dir, NotATask.class.getName(), null)))
                .isEqualTo(new Outcome.Failed("handler class " + NotATask.class.getName()
                        + " does not implement dev.sluice.api.Task", false));
        assertThat(executor.execute(Attempts.handler(dir, NeedsArgs.class.getName(), null)))
                .isEqualTo(new Outcome.Failed("handler class " + NeedsArgs.class.getName()
                        + " has no public no-argument constructor", false));
    }

    @Test
    void timeoutInterruptsTheHandler() {
        long start = System.nanoTime();
        assertThat(executor.execute(Attempts.handler(dir, Sleeps.class.getName(), Duration.ofMillis(200))))
                .isEqualTo(new Outcome.TimedOut(Duration.ofMillis(200)));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void interruptOfTheCallerEndsTheTry() throws Exception {
        AtomicReference<Outcome> result = new AtomicReference<>();
        Sleeps.started = new java.util.concurrent.CountDownLatch(1);
        Thread t = new Thread(() -> result.set(executor.execute(Attempts.handler(dir, Sleeps.class.getName(),
                null))));
        t.start();
        assertThat(Sleeps.started.await(10, java.util.concurrent.TimeUnit.SECONDS)).as("the handler started")
                .isTrue();
        t.interrupt();
        t.join(1000);
        assertThat(result.get()).isEqualTo(new Outcome.Failed("interrupted", true));
    }

    @Test
    void handlersLoadFromExtraClasspath() throws Exception {
        Path src = dir.resolve("src/com/example/Extra.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, "package com.example;\n"
                + "public class Extra implements dev.sluice.api.Task {\n"
                + "  public Object run(dev.sluice.api.TaskContext c) { return java.util.List.of(1, 2); }\n"
                + "}\n");
        Path classes = dir.resolve("classes");
        int rc = ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(),
                "-cp", System.getProperty("java.class.path"), src.toString());
        assertThat(rc).isZero();
        LocalTaskExecutor withJar = new LocalTaskExecutor(List.of(classes));
        assertThat(withJar.execute(Attempts.handler(dir, "com.example.Extra", null)))
                .isEqualTo(new Outcome.Succeeded("[1,2]"));
        assertThat(withJar.execute(Attempts.handler(dir, "com.example.Nope", null)))
                .isEqualTo(new Outcome.Failed(
                        "handler class com.example.Nope not found on the classpath (check the --classpath jars)",
                        false));
    }
}
