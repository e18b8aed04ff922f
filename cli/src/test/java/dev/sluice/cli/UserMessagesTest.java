package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.cli.render.TerminalText;
import dev.sluice.store.ConcurrentUpdateException;
import dev.sluice.store.StoreException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** No user-facing message names a Java class, and no message can drive the terminal. */
class UserMessagesTest {
    @Test
    void noMessageNamesAJavaClass() {
        List<Throwable> thrown = List.of(new StoreException("the database is corrupt", false),
                new ConcurrentUpdateException("pool shared cannot take -1 (size 1)"),
                new IllegalStateException("disk on fire"), new NullPointerException(),
                new RuntimeException(new NoSuchFileException("/x/y")), new OutOfMemoryError());

        for (Throwable t : thrown) {
            assertThat(Main.describe(t)).as(t.toString()).doesNotContainPattern("[A-Z][a-z]+(Exception|Error)")
                    .isNotBlank();
        }
        assertThat(Main.describe(new StoreException("the database is corrupt", false))).isEqualTo("the database is corrupt");
    }

    @Test
    void controlCharactersAreEscaped() {
        String hostile = "boom \u001b[2J\u001b[H cleared \u009b31m \u202e txt\rover\u0007";

        String shown = TerminalText.oneLine(hostile, 200);

        assertThat(shown).doesNotContain("\u001b", "\u009b", "\u202e", "\r", "\u0007")
                .contains("\\x1b[2J", "\\u009b", "\\u202e");
        assertThat(TerminalText.safe(hostile)).contains("\\r", "\\x07").doesNotContain("\r");
        assertThat(Main.describe(new IllegalStateException(hostile))).doesNotContain("\u001b");
        assertThat(TerminalText.safe("two\nlines")).isEqualTo("two\nlines");
    }
}
