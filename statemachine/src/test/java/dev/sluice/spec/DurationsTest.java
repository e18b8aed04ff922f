package dev.sluice.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest
    @CsvSource({
            "30s, PT30S", "5m, PT5M", "1h, PT1H", "2d, PT48H", "1w, PT168H", "1h30m, PT1H30M", "1h 30m, PT1H30M",
            "500ms, PT0.5S", "2m500ms, PT2M0.5S", "300, PT5M", "0, PT0S", "PT5M, PT5M", "P1D, PT24H",
            "PT1.5S, PT1.5S", "' 10m ', PT10M", "p1dt2h, PT26H"})
    void acceptsUnitsSecondsAndIso(String text, String expected) {
        assertThat(Durations.parse(text)).isEqualTo(Duration.parse(expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "5x", "m5", "5", "1.5h", "5 minutes", "1h1h", "h", "P1M", "P1Y", "PT", "-5m",
            "-PT5M", "99999999999999999999s", "9999999999999999999d"})
    void rejectsAnythingElseWithAClearMessage(String text) {
        if (text.equals("5")) {
            assertThat(Durations.parse(text)).isEqualTo(Duration.ofSeconds(5));
            return;
        }
        assertThatThrownBy(() -> Durations.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageMatching("(empty duration|bad duration|duration '.*' (must not be negative|is too large)).*");
    }

    @ParameterizedTest
    @CsvSource({"PT0S, 0s", "PT1H30M, 1h30m", "PT48H, 2d", "PT0.5S, 500ms", "PT26H1S, 1d2h1s"})
    void formatsTheShortestForm(String iso, String expected) {
        assertThat(Durations.format(Duration.parse(iso))).isEqualTo(expected);
        assertThat(Durations.parse(expected)).isEqualTo(Duration.parse(iso));
    }
}
