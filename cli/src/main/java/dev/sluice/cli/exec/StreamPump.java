package dev.sluice.cli.exec;

import dev.sluice.output.LineCapture;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Copies one output stream of a command into the try's log and remembers its last non-empty line, with bounded
 * memory whatever the length of a line (see {@link LineCapture}). Lines up to {@link #LOG_CHUNK} bytes reach the log
 * whole; longer ones are written in pieces as they come.
 */
final class StreamPump implements Runnable {
    static final int LOG_CHUNK = 64 * 1024;
    /** How much of the last stderr line is kept for the error message. */
    static final int MAX_ERROR_LINE = 8 * 1024;

    private final InputStream in;
    private final LineCapture capture;
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile LineCapture.Last last;

    private StreamPump(InputStream in, AttemptLog log, int maxRemembered) {
        this.in = in;
        this.capture = new LineCapture(maxRemembered, LOG_CHUNK, (b, off, len, at, end) -> log.piece(b, off, len, end));
    }

    /** A pump for stdout: its last line is the task's output, kept whole up to the output limit. */
    static StreamPump stdout(InputStream in, AttemptLog log, String name) {
        return start(new StreamPump(in, log, LineCapture.MAX_OUTPUT_BYTES), name);
    }

    /** A pump for stderr: its last line explains a failure, so only its start is kept. */
    static StreamPump stderr(InputStream in, AttemptLog log, String name) {
        return start(new StreamPump(in, log, MAX_ERROR_LINE), name);
    }

    private static StreamPump start(StreamPump pump, String name) {
        Thread t = new Thread(pump, name);
        t.setDaemon(true);
        t.start();
        return pump;
    }

    @Override
    public void run() {
        byte[] buf = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                capture.accept(buf, 0, n);
                last = capture.last();
            }
        } catch (IOException e) {
            // the stream was closed under us (the process tree was killed); what was read is kept
        } finally {
            capture.end();
            last = capture.last();
            done.countDown();
        }
    }

    /** Waits until the stream ends (every process holding it has exited). */
    boolean awaitEnd(long millis) {
        try {
            return done.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The last non-empty line, whole or with a marker saying how long it was; null for none. */
    String lastLine() {
        LineCapture.Last l = last;
        if (l == null) {
            return null;
        }
        return l.complete() ? l.text() : l.text() + "... (" + l.bytes() + " bytes in all)";
    }

    /** The length in bytes of the last non-empty line when it is over the limit, or -1. */
    long overLimit() {
        LineCapture.Last l = last;
        return l == null || l.complete() ? -1 : l.bytes();
    }
}
