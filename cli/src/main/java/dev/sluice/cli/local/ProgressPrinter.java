package dev.sluice.cli.local;

import dev.sluice.cli.render.TerminalText;
import dev.sluice.engine.TaskInstance;
import dev.sluice.state.TaskState;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** One line per task state change: time, task, try, state, duration (and the reason for failures and skips). */
public final class ProgressPrinter implements LocalRunner.Listener {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS")
            .withZone(ZoneId.systemDefault());
    private final PrintWriter out;
    private final boolean color;
    private final java.util.Set<String> warned = new java.util.HashSet<>();

    public ProgressPrinter(PrintWriter out, boolean color) {
        this.out = out;
        this.color = color;
    }

    @Override
    public void taskChanged(TaskInstance before, TaskInstance after, Instant at) {
        if (after.mapIndex() < 0 && after.state() == TaskState.REMOVED) {
            out.printf(Locale.ROOT, "%s  %-40s  expanded into %d instances%n", TIME.format(at), after.taskId(),
                    after.mapCount());
            out.flush();
            return;
        }
        if (after.state() == TaskState.NONE && (before == null || !before.state().isTerminal())) {
            return; // created, or a counter update: not a state change worth a line
        }
        String state = after.state().airflowName();
        String shown = color ? Colors.state(after.state(), state) : state;
        String dur = after.state().isTerminal() || after.state() == TaskState.UP_FOR_RETRY
                ? "  " + RunReport.duration(after.startedAt() != null ? after.startedAt() : after.queuedAt(),
                after.endedAt() != null ? after.endedAt() : at) : "";
        String why = LocalRunner.reason(after);
        String tryText = after.tryNumber() == 0 ? "" : "try " + after.tryNumber() + "/" + after.maxTries();
        out.printf(Locale.ROOT, "%s  %-40s  %-9s  %s%s%s%n", TIME.format(at), RunReport.label(after), tryText, shown,
                dur, why == null ? "" : "  (" + oneLine(why) + ")");
        out.flush();
    }

    @Override
    public void notice(String message) {
        out.printf(Locale.ROOT, "%s  sluice: %s%n", TIME.format(Instant.now()), oneLine(message));
        out.flush();
    }

    @Override
    public void alerted(String message) {
        out.printf(Locale.ROOT, "%s  ! %s%n", TIME.format(Instant.now()), oneLine(message));
        out.flush();
    }

    /** Each warning once per run, as its own line. */
    @Override
    public void warned(String message) {
        if (warned.add(message)) {
            out.println("warning: " + oneLine(message));
            out.flush();
        }
    }

    private static String oneLine(String s) {
        return TerminalText.oneLine(s, 160); // a task's stderr may hold terminal escapes
    }
}
