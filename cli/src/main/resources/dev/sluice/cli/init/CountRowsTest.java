package example.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.sluice.testkit.HandlerResult;
import dev.sluice.testkit.HandlerTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The handler alone, with a context made up for the test (sluice-testkit's HandlerTest). */
class CountRowsTest {
    @Test
    void countsTheRowsOfTheUpstreamTask() {
        HandlerResult r = HandlerTest.of(CountRows.class)
                .date("2024-01-01")
                .param("table", "orders")
                .upstream("extract", List.of(3, 1, 4))
                .run();
        assertEquals("success", r.state());
        assertEquals(Map.of("table", "orders", "rows", 3, "day", "2024-01-01"), r.output());
        assertEquals(List.of("counted 3 rows of orders"), r.logLines());
    }

    @Test
    void skipsWhenNothingWasExtracted() {
        HandlerResult r = HandlerTest.of(CountRows.class).upstream("extract", List.of()).run();
        assertEquals("skipped", r.state());
        assertEquals("nothing extracted", r.error());
    }

    @Test
    void failsWithoutRetriesOnInputItCannotRead() {
        HandlerResult r = HandlerTest.of(CountRows.class).upstream("extract", "not a list").run();
        assertEquals("failed", r.state());
        assertFalse(r.retryable());
    }
}
