package dev.sluice.output;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Splits a command's output stream into lines with bounded memory, passes every byte on to a log, and remembers the
 * last non-empty line, the task's output. Both runtimes (the local command runner and the AWS command runner) feed
 * the bytes they read into one of these, so a line of any length costs at most {@code logChunk + maxRemembered}
 * bytes of memory, and a line longer than {@code maxRemembered} is reported as too long instead of being cut.
 *
 * <p>Lines end at {@code \n}, {@code \r\n} or a lone {@code \r}, as {@code BufferedReader.readLine} ends them. A
 * line is "blank" when it holds only ASCII whitespace. Not thread-safe: one reader thread per stream.
 *
 * <pre>{@code
 * LineCapture c = new LineCapture(LineCapture.MAX_OUTPUT_BYTES, 64 * 1024, (b, off, len, at, end) -> log(...));
 * c.accept(buf, 0, n); ... c.end();
 * LineCapture.Last last = c.last();   // null, or the text (when it fits) and its size in bytes
 * }</pre>
 */
public final class LineCapture {
    /** The largest task output (a command's last non-empty stdout line): 1 MiB. */
    public static final int MAX_OUTPUT_BYTES = 1 << 20;

    /** Where the bytes of each line go, in pieces of at most {@code logChunk} bytes. */
    @FunctionalInterface
    public interface Sink {
        /**
         * A piece of a line. {@code offsetInLine} is where the piece starts within its line (0 for the first
         * piece); {@code endOfLine} is true for a line's last piece (possibly empty).
         */
        void piece(byte[] bytes, int off, int len, long offsetInLine, boolean endOfLine);
    }

    /**
     * The last non-empty line: {@code text} holds it whole when it fits ({@link #complete()}), otherwise its first
     * {@code maxRemembered} bytes; {@code bytes} is its full length.
     */
    public record Last(String text, long bytes, boolean complete) {
    }

    private final int maxRemembered;
    private final Sink sink;
    private final byte[] pending;
    private int pendingLen;
    private long lineOffset;
    private byte[] remembered = new byte[256];
    private int rememberedLen;
    private long lineBytes;
    private boolean nonBlank;
    private boolean lastWasCr;
    private boolean open;
    private Last last;

    public LineCapture(int maxRemembered, int logChunk, Sink sink) {
        if (maxRemembered < 1 || logChunk < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
        this.maxRemembered = maxRemembered;
        this.sink = sink;
        this.pending = new byte[logChunk];
    }

    /** Feeds bytes read from the stream. */
    public void accept(byte[] buf, int off, int len) {
        for (int i = off; i < off + len; i++) {
            byte b = buf[i];
            if (b == '\n' && lastWasCr) {
                lastWasCr = false;
                continue;
            }
            lastWasCr = b == '\r';
            if (b == '\n' || b == '\r') {
                endLine();
            } else {
                add(b);
            }
        }
    }

    /** The stream ended: a last line without a line break still counts. */
    public void end() {
        if (open) {
            endLine();
        }
    }

    /** The last non-empty line so far, or null. */
    public Last last() {
        return last;
    }

    private void add(byte b) {
        open = true;
        if (pendingLen == pending.length) {
            sink.piece(pending, 0, pendingLen, lineOffset, false);
            lineOffset += pendingLen;
            pendingLen = 0;
        }
        pending[pendingLen++] = b;
        if (rememberedLen < maxRemembered) {
            if (rememberedLen == remembered.length) {
                remembered = Arrays.copyOf(remembered, Math.min(maxRemembered, remembered.length * 2));
            }
            remembered[rememberedLen++] = b;
        }
        lineBytes++;
        if (b != ' ' && b != '\t' && b != '\f' && b != 0x0B) {
            nonBlank = true;
        }
    }

    private void endLine() {
        sink.piece(pending, 0, pendingLen, lineOffset, true);
        if (nonBlank) {
            last = new Last(new String(remembered, 0, rememberedLen, StandardCharsets.UTF_8), lineBytes,
                    lineBytes <= maxRemembered);
        }
        pendingLen = 0;
        lineOffset = 0;
        rememberedLen = 0;
        lineBytes = 0;
        nonBlank = false;
        open = false;
        if (remembered.length > 64 * 1024) {
            remembered = new byte[256]; // a huge line does not pin its buffer for the rest of the stream
        }
    }

    /** The message of a try whose output is over {@link #MAX_OUTPUT_BYTES}. */
    public static String tooLongMessage(long bytes) {
        return "the task's output (its last non-empty stdout line) is " + bytes + " bytes, over the limit of 1 MiB ("
                + MAX_OUTPUT_BYTES + " bytes); write large results to a file or object store and print its path";
    }
}
