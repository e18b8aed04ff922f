package dev.sluice.cli.exec;

import dev.sluice.output.LineCapture;
import dev.sluice.template.ShellCommand;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs a {@code command} task: {@code /bin/sh -c SCRIPT} in its own session and process group (through
 * {@code setsid}), stdin from /dev/null, stdout and stderr appended to the try's log.
 *
 * <ul>
 *   <li>exit 0: succeeded; the output is the last non-empty stdout line (JSON kept as is, other text as a JSON
 *       string);</li>
 *   <li>exit 99: skipped;</li>
 *   <li>exit 127 (the shell's "command not found") and 126 ("not executable"): failed, not retryable, since
 *       trying again cannot help;</li>
 *   <li>any other exit: failed, retryable, with the exit code and the last stderr line;</li>
 *   <li>timeout or interrupt: the whole group gets SIGTERM, then SIGKILL after the grace period.</li>
 * </ul>
 *
 * The template values of the command are in the attempt's environment ({@code SLUICE_V_1}, ...), which the
 * script references; the log header shows the script and then each value.
 *
 * When the shell exits while processes it left in the background still hold its output open, they are stopped
 * too: a try's processes do not outlive it. Fully detached processes ({@code nohup ... >/dev/null &}) are left
 * alone.
 */
final class CommandRunner {
    static final int EXIT_SKIP = 99;
    private static final long DRAIN_MILLIS = 200;
    private static final Pattern NOT_FOUND = Pattern.compile("([^:\\s][^:]*): (?:command )?not found$");

    private final boolean useSetsid;
    private final Duration killGrace;

    /**
     * What the try's shell runs first when it has its own process group: it waits for one line on stdin, which the
     * runner writes once the group is on record ({@link TryProcesses}), then runs the script with stdin from
     * /dev/null. So no code of the task runs before a resume could find and end it; a runner killed in between leaves
     * a shell that reads end-of-file and exits without running anything.
     */
    static final String GATE = "read -r _ || exit 125; exec /bin/sh -c \"$1\" /bin/sh </dev/null";

    CommandRunner(boolean useSetsid, Duration killGrace) {
        this.useSetsid = useSetsid;
        this.killGrace = killGrace;
    }

    Outcome run(Attempt a, AttemptLog log) {
        if (a.command() == null || a.command().isBlank()) {
            log.note("no command to run");
            return new Outcome.Failed("the task has no rendered command", false);
        }
        log.header(a, "command: " + a.command());
        for (String value : ShellCommand.valueLines(a.env(), a.masker()::mask)) {
            log.note("  with " + value);
        }
        List<String> argv = new ArrayList<>();
        if (useSetsid) {
            argv.add(ProcessTree.SETSID.toString());
        }
        if (useSetsid) {
            argv.addAll(List.of("/bin/sh", "-c", GATE, "sluice-try", a.command()));
        } else {
            argv.addAll(List.of("/bin/sh", "-c", a.command()));
        }
        ProcessBuilder pb = new ProcessBuilder(argv).redirectInput(useSetsid ? ProcessBuilder.Redirect.PIPE
                : ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(a.env());
        long started = System.nanoTime();
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            log.note("cannot start /bin/sh: " + e.getMessage());
            return new Outcome.Failed("cannot start /bin/sh: " + e.getMessage(), false);
        }
        ProcessTree tree = new ProcessTree(process, useSetsid);
        if (useSetsid) {
            TryProcesses.record(a.logFile(), process.pid());
            try (OutputStream gate = process.getOutputStream()) {
                gate.write('\n'); // on record: now the script may run
            } catch (IOException e) {
                log.note("cannot start the command: " + e.getMessage());
                tree.kill(killGrace);
                return new Outcome.Failed("cannot start the command: " + e.getMessage(), true);
            }
        }
        String name = "sluice-" + a.label() + "-" + a.tryNumber();
        StreamPump out = StreamPump.stdout(process.getInputStream(), log, name + "-stdout");
        StreamPump err = StreamPump.stderr(process.getErrorStream(), log, name + "-stderr");
        try {
            boolean exited;
            if (a.timeout() == null) {
                process.waitFor();
                exited = true;
            } else {
                exited = process.waitFor(a.timeout().toNanos(), TimeUnit.NANOSECONDS);
            }
            if (!exited) {
                log.note("timed out after " + a.timeout() + "; stopping its process group");
                tree.kill(killGrace);
                drain(out, err);
                return new Outcome.TimedOut(a.timeout());
            }
        } catch (InterruptedException e) {
            log.note("interrupted; stopping its process group");
            tree.kill(killGrace);
            drain(out, err);
            Thread.currentThread().interrupt();
            return new Outcome.Failed("interrupted", true);
        }
        int code = process.exitValue();
        if (!out.awaitEnd(DRAIN_MILLIS) || !err.awaitEnd(DRAIN_MILLIS)) {
            log.note("background processes still hold the output open; stopping them");
            tree.kill(killGrace);
            drain(out, err);
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        log.note("exit code " + code + " after " + millis + " ms");
        Outcome tooLong = outputOverLimit(code, out, log);
        return tooLong != null ? tooLong : outcome(code, a.command(), out.lastLine(), err.lastLine());
    }

    /** A successful try whose output is over the limit fails, saying so in its error and its log. */
    private static Outcome outputOverLimit(int code, StreamPump out, AttemptLog log) {
        long bytes = out.overLimit();
        if (code != 0 || bytes < 0) {
            return null;
        }
        String message = LineCapture.tooLongMessage(bytes);
        log.note(message);
        return new Outcome.Failed(message, false);
    }

    static Outcome outcome(int code, String command, String lastOut, String lastErr) {
        String detail = lastErr == null ? "" : ": " + lastErr.strip();
        if (code == 0) {
            return new Outcome.Succeeded(JsonOutput.fromCommandLine(lastOut));
        } else if (code == EXIT_SKIP) {
            return new Outcome.Skipped(lastErr != null ? lastErr.strip()
                    : lastOut != null ? lastOut.strip() : "exit code 99");
        } else if (code == 127) {
            return new Outcome.Failed("command not found: " + missingCommand(command, lastErr) + " (exit code 127"
                    + detail + ")", false);
        } else if (code == 126) {
            return new Outcome.Failed("command not executable: " + firstWord(command) + " (exit code 126" + detail
                    + ")", false);
        }
        return new Outcome.Failed("exit code " + code + detail, true);
    }

    /** The name the shell could not find: {@code sh: 1: foo: not found} (dash), {@code bash: foo: command not found}. */
    private static String missingCommand(String command, String lastErr) {
        if (lastErr != null) {
            Matcher m = NOT_FOUND.matcher(lastErr.strip());
            if (m.find()) {
                return m.group(1);
            }
        }
        return firstWord(command);
    }

    private static String firstWord(String command) {
        String s = command.strip();
        int end = 0;
        while (end < s.length() && !Character.isWhitespace(s.charAt(end)) && ";|&<>()".indexOf(s.charAt(end)) < 0) {
            end++;
        }
        return end == 0 ? s : s.substring(0, end);
    }

    private static void drain(StreamPump out, StreamPump err) {
        out.awaitEnd(DRAIN_MILLIS);
        err.awaitEnd(DRAIN_MILLIS);
    }
}
