package dev.sluice.cli.exec;

import dev.sluice.secrets.Masker;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;

/**
 * The log file of one try. The task's own lines are written as they come; lines that Sluice adds (header, exit
 * status, kill notices) start with {@code [time] sluice:} so they stand out. Thread-safe: stdout and stderr readers
 * share it. Each line is written straight through, so {@code tail -f} sees it at once.
 */
final class AttemptLog implements Closeable {
    /** A line longer than this is masked and written in parts (a secret across a part boundary is not masked). */
    static final int MAX_MASKED_LINE = 1 << 20;
    private final OutputStream out;
    private final Clock clock;
    private final Masker masker;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    private AttemptLog(OutputStream out, Clock clock, Masker masker) {
        this.out = out;
        this.clock = clock;
        this.masker = masker;
    }

    static AttemptLog open(Path file, Clock clock) {
        return open(file, clock, new Masker());
    }

    /** The log file, with every secret {@code masker} holds (when each line is written) replaced by ***. */
    static AttemptLog open(Path file, Clock clock, Masker masker) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            return new AttemptLog(Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE), clock, masker);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open log file " + file + ": " + e.getMessage(), e);
        }
    }

    void header(Attempt a, String what) {
        note("dag " + a.dagId() + ", run " + a.runId() + ", task " + a.label() + ", try " + a.tryNumber() + "/"
                + a.maxTries() + ": " + what);
    }

    /** A line Sluice adds, stamped with the time. */
    void note(String message) {
        line("[" + Instant.now(clock) + "] sluice: " + message);
    }

    /** A line written by the task itself. */
    synchronized void line(String text) {
        try {
            out.write((masker.mask(text) + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // A full disk must not turn a finished task into a failed one; the outcome still reaches the store.
        }
    }

    /**
     * A piece of a line written by the task, as raw bytes; {@code endOfLine} ends the line. A line of a few pieces
     * may interleave with the other stream's lines; lines up to one piece never do.
     */
    synchronized void piece(byte[] bytes, int off, int len, boolean endOfLine) {
        try {
            if (masker.isEmpty() && pending.size() == 0) {
                out.write(bytes, off, len);
            } else {
                pending.write(bytes, off, len);
                if (!endOfLine && pending.size() < MAX_MASKED_LINE) {
                    return;
                }
                out.write(masker.mask(pending.toString(StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
                pending.reset();
            }
            if (endOfLine) {
                out.write('\n');
            }
        } catch (IOException e) {
            // as in line(): a full disk does not change the try's outcome
        }
    }

    void stackTrace(Throwable t) {
        StringWriter sw = new StringWriter();
        t.printStackTrace(new PrintWriter(sw));
        for (String l : sw.toString().split("\\R")) {
            line(l);
        }
    }

    @Override
    public synchronized void close() {
        try {
            if (pending.size() > 0) {
                out.write(masker.mask(pending.toString(StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
                pending.reset();
            }
            out.close();
        } catch (IOException e) {
            // nothing left to do
        }
    }
}
