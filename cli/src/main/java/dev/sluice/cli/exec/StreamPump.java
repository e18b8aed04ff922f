package dev.sluice.cli.exec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Copies one output stream of a command into the try's log, line by line, remembering the last non-empty line. */
final class StreamPump implements Runnable {
    private static final int MAX_REMEMBERED = 1 << 20;

    private final InputStream in;
    private final AttemptLog log;
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile String lastLine;

    private StreamPump(InputStream in, AttemptLog log) {
        this.in = in;
        this.log = log;
    }

    static StreamPump start(InputStream in, AttemptLog log, String name) {
        StreamPump pump = new StreamPump(in, log);
        Thread t = new Thread(pump, name);
        t.setDaemon(true);
        t.start();
        return pump;
    }

    @Override
    public void run() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                log.line(line);
                if (!line.isBlank()) {
                    lastLine = line.length() > MAX_REMEMBERED ? line.substring(0, MAX_REMEMBERED) : line;
                }
            }
        } catch (IOException e) {
            // the stream was closed under us (the process tree was killed); what was read is kept
        } finally {
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

    String lastLine() {
        return lastLine;
    }
}
