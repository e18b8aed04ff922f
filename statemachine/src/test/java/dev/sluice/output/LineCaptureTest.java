package dev.sluice.output;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineCaptureTest {
    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private final List<Integer> pieceSizes = new ArrayList<>();

    private LineCapture capture(int max, int chunk) {
        return new LineCapture(max, chunk, (b, off, len, at, end) -> {
            logged.write(b, off, len);
            pieceSizes.add(len);
            if (end) {
                logged.write('\n');
            }
        });
    }

    private static void feed(LineCapture c, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < b.length; i += 3) {
            c.accept(b, i, Math.min(3, b.length - i));
        }
        c.end();
    }

    @Test
    void theLastNonEmptyLineIsTheOutputAndEveryLineIsLogged() {
        LineCapture c = capture(100, 4);
        feed(c, "one\r\ntwo\rthrée\n  \n\n");

        assertThat(c.last()).isEqualTo(new LineCapture.Last("thrée", 6, true));
        assertThat(logged.toString(StandardCharsets.UTF_8)).isEqualTo("one\ntwo\nthrée\n  \n\n");
        assertThat(pieceSizes).allMatch(n -> n <= 4);
    }

    @Test
    void aLineWithoutABreakAtTheEndCounts() {
        LineCapture c = capture(100, 8);
        feed(c, "a\n{\"n\": 1}");

        assertThat(c.last().text()).isEqualTo("{\"n\": 1}");
    }

    @Test
    void aLineOverTheLimitIsReportedNotCut() {
        LineCapture c = capture(10, 4);
        feed(c, "short\n" + "x".repeat(25) + "\n");

        assertThat(c.last().complete()).isFalse();
        assertThat(c.last().bytes()).isEqualTo(25);
        assertThat(c.last().text()).hasSize(10);
        assertThat(logged.toString(StandardCharsets.UTF_8)).contains("x".repeat(25));
    }

    @Test
    void aHugeLineNeedsBoundedMemory() {
        LineCapture c = new LineCapture(1024, 4096, (b, off, len, at, end) -> { });
        byte[] chunk = "y".repeat(1 << 16).getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 4096; i++) { // 256 MiB in one line
            c.accept(chunk, 0, chunk.length);
        }
        c.end();

        assertThat(c.last().bytes()).isEqualTo(256L << 20);
        assertThat(c.last().complete()).isFalse();
    }

    @Test
    void theMessageNamesTheLimit() {
        assertThat(LineCapture.tooLongMessage(2_000_000)).contains("1 MiB").contains("2000000 bytes");
    }
}
