package dev.sluice.cli.exec;

import dev.sluice.engine.Json;
import dev.sluice.secrets.Masker;
import dev.sluice.model.TaskKind;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs tries on this machine, by task kind:
 * <ul>
 *   <li>{@code command}: see {@link CommandRunner} (own process group, exit 99 = skipped, killed on timeout);</li>
 *   <li>{@code handler}: see {@link HandlerRunner} (class from the classpath or the extra jars);</li>
 *   <li>{@code function}: fails without retries, since Lambda functions need the AWS runtime;</li>
 *   <li>{@code empty}: succeeds at once, with no log file.</li>
 * </ul>
 * Thread-safe; one instance serves the whole worker pool.
 *
 * <p>Logs: the executor writes the try's log file ({@link Attempt#logFile()}): a header, the command's stdout and
 * stderr or the handler's {@code context.log(...)} lines and stack trace, and the exit status.
 */
public final class LocalTaskExecutor implements TaskExecutor {
    /** How long a process group has between SIGTERM and SIGKILL. */
    public static final Duration DEFAULT_KILL_GRACE = Duration.ofSeconds(2);

    private final CommandRunner commands;
    private final HandlerRunner handlers;
    private final Clock clock;
    private final Duration killGrace;

    /** @param extraClasspath jars or class folders searched for handler classes after the application's own */
    public LocalTaskExecutor(List<Path> extraClasspath) {
        this(extraClasspath, DEFAULT_KILL_GRACE, Clock.systemUTC());
    }

    public LocalTaskExecutor(List<Path> extraClasspath, Duration killGrace, Clock clock) {
        List<Path> extra = List.copyOf(extraClasspath == null ? List.of() : extraClasspath);
        this.commands = new CommandRunner(ProcessTree.setsidAvailable(), killGrace);
        this.handlers = new HandlerRunner(classLoader(extra), !extra.isEmpty());
        this.clock = clock;
        this.killGrace = killGrace;
    }

    @Override
    public Outcome execute(Attempt attempt) {
        return masked(run(attempt), attempt.masker());
    }

    /** The outcome with the try's secrets masked in its output and error, as they reach the store. */
    static Outcome masked(Outcome o, Masker m) {
        if (m.isEmpty()) {
            return o;
        }
        if (o instanceof Outcome.Succeeded s && s.outputJson() != null) {
            String masked = m.mask(s.outputJson());
            if (masked.equals(s.outputJson())) {
                return o;
            }
            try {
                Json.MAPPER.readTree(masked);
                return new Outcome.Succeeded(masked);
            } catch (java.io.IOException e) {
                return new Outcome.Succeeded(Json.write(masked));
            }
        }
        if (o instanceof Outcome.Failed f) {
            return new Outcome.Failed(m.mask(f.error()), f.retryable());
        }
        if (o instanceof Outcome.Skipped s && s.reason() != null) {
            return new Outcome.Skipped(m.mask(s.reason()));
        }
        return o;
    }

    private Outcome run(Attempt attempt) {
        TaskKind kind = attempt.spec().kind();
        if (kind instanceof TaskKind.Empty) {
            return new Outcome.Succeeded(null);
        }
        AttemptLog log;
        try {
            log = AttemptLog.open(attempt.logFile(), clock, attempt.masker());
        } catch (UncheckedIOException e) {
            return new Outcome.Failed(e.getMessage(), true);
        }
        try (log) {
            if (kind instanceof TaskKind.Command) {
                try {
                    return commands.run(attempt, log);
                } finally {
                    TryProcesses.forget(attempt.logFile()); // its group is gone: stopped, or left detached
                }
            } else if (kind instanceof TaskKind.Handler h) {
                return handlers.run(attempt, h.className(), log);
            } else if (kind instanceof TaskKind.Function f) {
                String reason = "function tasks need the AWS runtime (sluice dev / deploy); locally, use command or"
                        + " handler (function " + f.function() + ")";
                log.header(attempt, "function: " + f.function());
                log.note(reason);
                return new Outcome.Failed(reason, false);
            }
            throw new IllegalStateException("unknown task kind " + kind);
        }
    }

    /**
     * Writes the log of a try that failed before its work could start (its command did not render, its context
     * could not be built), so that {@code tasks logs} shows why. A log that cannot be written is left out: the
     * reason still reaches the store as the try's error.
     */
    public static void logNotStarted(Path logFile, String dagId, String runId, String taskId, int mapIndex,
                                     int tryNumber, int maxTries, String why) {
        String label = mapIndex < 0 ? taskId : taskId + "[" + mapIndex + "]";
        try (AttemptLog log = AttemptLog.open(logFile, Clock.systemUTC())) {
            log.note("dag " + dagId + ", run " + runId + ", task " + label + ", try " + tryNumber + "/" + maxTries
                    + ": not started");
            log.note("failed before it started: " + why);
        } catch (UncheckedIOException e) {
            // no log then; the error is in the store
        }
    }

    @Override
    public String callback(String className, dev.sluice.api.CallbackContext context, Duration timeout,
                           Path logFile) {
        try (AttemptLog log = AttemptLog.open(logFile, clock)) {
            log.note("callback " + context.event() + ": handler " + className);
            return handlers.runCallback(className, context, timeout, log);
        } catch (UncheckedIOException e) {
            return e.getMessage();
        }
    }

    @Override
    public Map<Path, String> endLeftovers(Path runLogs) {
        return TryProcesses.endLeftovers(runLogs, killGrace, clock);
    }

    private static ClassLoader classLoader(List<Path> extra) {
        ClassLoader parent = Thread.currentThread().getContextClassLoader();
        if (parent == null) {
            parent = LocalTaskExecutor.class.getClassLoader();
        }
        if (extra.isEmpty()) {
            return parent;
        }
        List<URL> urls = new ArrayList<>();
        for (Path p : extra) {
            if (!Files.exists(p)) {
                throw new IllegalArgumentException("--classpath entry not found: " + p);
            }
            try {
                urls.add(p.toAbsolutePath().toUri().toURL());
            } catch (MalformedURLException e) {
                throw new IllegalArgumentException("bad --classpath entry " + p + ": " + e.getMessage(), e);
            }
        }
        return new URLClassLoader("sluice-handlers", urls.toArray(URL[]::new), parent);
    }
}
