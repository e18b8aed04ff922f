package dev.sluice.schedule;

import dev.sluice.model.Dag;
import dev.sluice.model.DagBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScheduleTest {

    static final ZoneId UTC = ZoneOffset.UTC;
    static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

    static Instant t(String iso) {
        return Instant.parse(iso);
    }

    static DataInterval iv(String start, String end) {
        return new DataInterval(t(start), t(end));
    }

    static DagBuilder dag(String schedule, ZoneId zone, LocalDateTime start) {
        return DagBuilder.dag("d").schedule(schedule).timezone(zone).startDate(start)
                .task("t", b -> b.command("true"));
    }

    /** The next {@code n} fire times strictly after {@code from}. */
    static List<Instant> fires(Schedule s, Instant from, int n) {
        List<Instant> out = new ArrayList<>();
        Instant cur = from;
        for (int i = 0; i < n; i++) {
            cur = s.nextFire(cur).orElseThrow();
            out.add(cur);
        }
        return out;
    }

    /** The previous {@code n} fire times strictly before {@code from}, newest first. */
    static List<Instant> firesBack(Schedule s, Instant from, int n) {
        List<Instant> out = new ArrayList<>();
        Instant cur = from;
        for (int i = 0; i < n; i++) {
            cur = s.previousFire(cur).orElseThrow();
            out.add(cur);
        }
        return out;
    }

    static List<Instant> instants(String... iso) {
        List<Instant> out = new ArrayList<>();
        for (String s : iso) {
            out.add(t(s));
        }
        return out;
    }

    static void assertFiresBothWays(Schedule s, Instant from, List<Instant> expected) {
        assertThat(fires(s, from, expected.size())).containsExactlyElementsOf(expected);
        List<Instant> reversed = new ArrayList<>(expected);
        java.util.Collections.reverse(reversed);
        Instant after = expected.get(expected.size() - 1).plusSeconds(1);
        assertThat(firesBack(s, after, expected.size())).containsExactlyElementsOf(reversed);
        for (Instant i : expected) {
            assertThat(s.isFire(i)).as("isFire(%s)", i).isTrue();
        }
    }

    // ------------------------------------------------------------------ cron and presets

    @Test
    void dailyCronIntervalIsPreviousToNextFire() {
        Schedule s = Schedule.parse("0 2 * * *", UTC);
        assertThat(s.kind()).isEqualTo(Schedule.Kind.CRON);
        assertThat(s.intervalFor(t("2024-01-01T02:00:00Z"))).isEqualTo(iv("2024-01-01T02:00:00Z", "2024-01-02T02:00:00Z"));
        // A logical date inside an interval maps to the interval containing it.
        assertThat(s.intervalFor(t("2024-01-01T13:00:00Z"))).isEqualTo(iv("2024-01-01T02:00:00Z", "2024-01-02T02:00:00Z"));
        assertThat(s.intervalFor(t("2024-01-01T01:59:59Z"))).isEqualTo(iv("2023-12-31T02:00:00Z", "2024-01-01T02:00:00Z"));
        assertThat(s.nextInterval(t("2024-01-01T02:00:00Z")))
                .contains(iv("2024-01-02T02:00:00Z", "2024-01-03T02:00:00Z"));
        assertThat(s.intervalFor(t("2024-01-01T02:00:00Z")).logicalDate()).isEqualTo(t("2024-01-01T02:00:00Z"));
    }

    @ParameterizedTest
    @CsvSource({
            "@hourly,   2024-01-01T05:00:00Z, 2024-01-01T06:00:00Z",
            "@daily,    2024-01-01T00:00:00Z, 2024-01-02T00:00:00Z",
            "@midnight, 2024-01-01T00:00:00Z, 2024-01-02T00:00:00Z",
            "@weekly,   2023-12-31T00:00:00Z, 2024-01-07T00:00:00Z",
            "@monthly,  2024-01-01T00:00:00Z, 2024-02-01T00:00:00Z",
            "@yearly,   2024-01-01T00:00:00Z, 2025-01-01T00:00:00Z",
            "@annually, 2024-01-01T00:00:00Z, 2025-01-01T00:00:00Z",
            "@DAILY,    2024-01-01T00:00:00Z, 2024-01-02T00:00:00Z",
            "*/15 * * * *, 2024-01-01T05:15:00Z, 2024-01-01T05:30:00Z",
            "0 9 * * 1-5, 2023-12-29T09:00:00Z, 2024-01-01T09:00:00Z", // Friday to Monday
    })
    void presetsAndCronsGiveAirflowIntervals(String expr, String start, String end) {
        Schedule s = Schedule.parse(expr, UTC);
        // 2024-01-01 05:20 is a Monday.
        assertThat(s.intervalFor(t("2024-01-01T05:20:00Z"))).isEqualTo(iv(start, end));
    }

    @Test
    void weekdayCronSkipsTheWeekend() {
        Schedule s = Schedule.parse("0 9 * * 1-5", UTC);
        // Friday 2024-01-05 09:00 -> Monday 2024-01-08 09:00
        assertThat(s.intervalFor(t("2024-01-05T09:00:00Z"))).isEqualTo(iv("2024-01-05T09:00:00Z", "2024-01-08T09:00:00Z"));
    }

    @Test
    void cronInAZoneFiresAtLocalWallClock() {
        Schedule s = Schedule.parse("0 2 * * *", BERLIN);
        assertThat(s.intervalFor(t("2024-01-01T01:00:00Z"))).isEqualTo(iv("2024-01-01T01:00:00Z", "2024-01-02T01:00:00Z"));
        assertThat(s.intervalFor(t("2024-07-01T00:00:00Z"))).isEqualTo(iv("2024-07-01T00:00:00Z", "2024-07-02T00:00:00Z"));
    }

    @Test
    void onceRunsOnceAtStartDate() {
        Schedule s = Schedule.parse("@once", UTC).withBounds(t("2024-03-01T00:00:00Z"), null);
        assertThat(s.kind()).isEqualTo(Schedule.Kind.ONCE);
        assertThat(s.nextInterval(null)).contains(iv("2024-03-01T00:00:00Z", "2024-03-01T00:00:00Z"));
        assertThat(s.nextInterval(t("2024-03-01T00:00:00Z"))).isEmpty();

        Dag d = dag("@once", UTC, LocalDateTime.of(2024, 3, 1, 0, 0)).catchup(true).build();
        assertThat(Schedule.due(d, null, t("2024-02-28T00:00:00Z"), 10)).isEmpty();
        assertThat(Schedule.due(d, null, t("2024-03-01T00:00:00Z"), 10))
                .containsExactly(iv("2024-03-01T00:00:00Z", "2024-03-01T00:00:00Z"));
        assertThat(Schedule.due(d, null, t("2025-01-01T00:00:00Z"), 10)).hasSize(1);
        assertThat(Schedule.due(d, t("2024-03-01T00:00:00Z"), t("2025-01-01T00:00:00Z"), 10)).isEmpty();
        assertThat(Schedule.due(d, null, t("2025-01-01T00:00:00Z"), 0)).isEmpty();
    }

    @Test
    void manualScheduleHasNoRuns() {
        Dag d = dag(null, UTC, LocalDateTime.of(2024, 1, 1, 0, 0)).catchup(true).build();
        assertThat(Schedule.of(d).kind()).isEqualTo(Schedule.Kind.NONE);
        assertThat(Schedule.due(d, null, t("2025-01-01T00:00:00Z"), 100)).isEmpty();
        assertThat(Schedule.of(d).nextInterval(null)).isEmpty();
        assertThat(Schedule.between(d, LocalDate.of(2024, 1, 1), LocalDate.of(2024, 1, 31))).isEmpty();
        assertThat(Schedule.parse("@none", UTC).kind()).isEqualTo(Schedule.Kind.NONE);
        // A manual run's interval is empty, at the trigger time.
        assertThat(Schedule.of(d).manualInterval(t("2024-05-05T10:00:00Z")))
                .isEqualTo(iv("2024-05-05T10:00:00Z", "2024-05-05T10:00:00Z"));
    }

    @Test
    void manualRunOfACronDagCoversTheLastCompleteInterval() {
        Schedule s = Schedule.parse("@daily", UTC);
        assertThat(s.manualInterval(t("2024-01-25T01:00:00Z"))).isEqualTo(iv("2024-01-24T00:00:00Z", "2024-01-25T00:00:00Z"));
        assertThat(s.manualInterval(t("2024-01-25T00:00:00Z"))).isEqualTo(iv("2024-01-24T00:00:00Z", "2024-01-25T00:00:00Z"));
    }

    @Test
    void nextIntervalFromNullNeedsAStart() {
        Schedule s = Schedule.parse("@daily", UTC);
        assertThatThrownBy(() -> s.nextInterval(null)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("@daily").hasMessageContaining("start_date");
    }

    @Test
    void neverFiringCronHasNoIntervals() {
        Schedule s = Schedule.parse("0 0 30 2 *", UTC).withBounds(t("2024-01-01T00:00:00Z"), null);
        assertThat(s.nextFire(t("2024-01-01T00:00:00Z"))).isEmpty();
        assertThat(s.nextInterval(null)).isEmpty();
    }

    // ------------------------------------------------------------------ DST

    @Test
    void berlinHourlyAcrossSpringForwardFiresEveryRealHour() {
        // 2024-03-31 02:00 CET -> 03:00 CEST at 01:00Z; 02:xx does not exist.
        Schedule s = Schedule.parse("@hourly", BERLIN);
        assertFiresBothWays(s, t("2024-03-30T22:30:00Z"), instants(
                "2024-03-30T23:00:00Z",   // 00:00 CET
                "2024-03-31T00:00:00Z",   // 01:00 CET
                "2024-03-31T01:00:00Z",   // 03:00 CEST (02:00 does not exist)
                "2024-03-31T02:00:00Z")); // 04:00 CEST
        assertThat(s.intervalFor(t("2024-03-31T00:00:00Z"))).isEqualTo(iv("2024-03-31T00:00:00Z", "2024-03-31T01:00:00Z"));
    }

    @Test
    void berlinHourlyAcrossFallBackFiresEveryRealHourWithoutDuplicates() {
        // 2024-10-27 03:00 CEST -> 02:00 CET at 01:00Z; 02:xx happens twice.
        Schedule s = Schedule.parse("0 * * * *", BERLIN);
        assertFiresBothWays(s, t("2024-10-26T22:30:00Z"), instants(
                "2024-10-26T23:00:00Z",   // 01:00 CEST
                "2024-10-27T00:00:00Z",   // 02:00 CEST
                "2024-10-27T01:00:00Z",   // 02:00 CET
                "2024-10-27T02:00:00Z",   // 03:00 CET
                "2024-10-27T03:00:00Z")); // 04:00 CET
        // Starting from inside the repeated hour works too.
        assertThat(s.nextFire(t("2024-10-27T00:30:00Z"))).contains(t("2024-10-27T01:00:00Z"));
        assertThat(s.nextFire(t("2024-10-27T01:30:00Z"))).contains(t("2024-10-27T02:00:00Z"));
        assertThat(s.previousFire(t("2024-10-27T01:30:00Z"))).contains(t("2024-10-27T01:00:00Z"));
        assertThat(s.intervalFor(t("2024-10-27T01:30:00Z"))).isEqualTo(iv("2024-10-27T01:00:00Z", "2024-10-27T02:00:00Z"));
    }

    @Test
    void berlinDailyInTheGapFiresOnceShiftedForward() {
        // 02:30 does not exist on 2024-03-31: cron-utils-independent rule, the run fires at 03:30 CEST (01:30Z).
        Schedule s = Schedule.parse("30 2 * * *", BERLIN);
        assertFiresBothWays(s, t("2024-03-29T12:00:00Z"), instants(
                "2024-03-30T01:30:00Z",   // 02:30 CET
                "2024-03-31T01:30:00Z",   // 03:30 CEST (02:30 does not exist)
                "2024-04-01T00:30:00Z")); // 02:30 CEST
        assertThat(s.intervalFor(t("2024-03-31T01:30:00Z")))
                .isEqualTo(iv("2024-03-31T01:30:00Z", "2024-04-01T00:30:00Z")); // 23 hours
    }

    @Test
    void berlinDailyInTheOverlapFiresOnce() {
        Schedule s = Schedule.parse("30 2 * * *", BERLIN);
        assertFiresBothWays(s, t("2024-10-25T12:00:00Z"), instants(
                "2024-10-26T00:30:00Z",   // 02:30 CEST
                "2024-10-27T00:30:00Z",   // first 02:30 (CEST); the second (CET, 01:30Z) does not fire
                "2024-10-28T01:30:00Z")); // 02:30 CET
        assertThat(s.isFire(t("2024-10-27T01:30:00Z"))).isFalse();
        assertThat(s.intervalFor(t("2024-10-27T00:30:00Z")))
                .isEqualTo(iv("2024-10-27T00:30:00Z", "2024-10-28T01:30:00Z")); // 25 hours
    }

    @Test
    void berlinMidnightDailyIntervalsAre23And25HoursLong() {
        Schedule s = Schedule.parse("@daily", BERLIN);
        assertThat(s.intervalFor(t("2024-03-30T23:00:00Z"))).isEqualTo(iv("2024-03-30T23:00:00Z", "2024-03-31T22:00:00Z"));
        assertThat(s.intervalFor(t("2024-10-26T22:00:00Z"))).isEqualTo(iv("2024-10-26T22:00:00Z", "2024-10-27T23:00:00Z"));
    }

    @Test
    void newYorkHourlyAcrossBothTransitions() {
        Schedule s = Schedule.parse("@hourly", NEW_YORK);
        // 2024-03-10 02:00 EST -> 03:00 EDT at 07:00Z
        assertFiresBothWays(s, t("2024-03-10T04:30:00Z"), instants(
                "2024-03-10T05:00:00Z",   // 00:00 EST
                "2024-03-10T06:00:00Z",   // 01:00 EST
                "2024-03-10T07:00:00Z",   // 03:00 EDT
                "2024-03-10T08:00:00Z")); // 04:00 EDT
        // 2024-11-03 02:00 EDT -> 01:00 EST at 06:00Z
        assertFiresBothWays(s, t("2024-11-03T03:30:00Z"), instants(
                "2024-11-03T04:00:00Z",   // 00:00 EDT
                "2024-11-03T05:00:00Z",   // 01:00 EDT
                "2024-11-03T06:00:00Z",   // 01:00 EST
                "2024-11-03T07:00:00Z",   // 02:00 EST
                "2024-11-03T08:00:00Z")); // 03:00 EST
    }

    @Test
    void newYorkDailyAcrossBothTransitions() {
        Schedule spring = Schedule.parse("30 2 * * *", NEW_YORK);
        assertFiresBothWays(spring, t("2024-03-08T12:00:00Z"), instants(
                "2024-03-09T07:30:00Z",   // 02:30 EST
                "2024-03-10T07:30:00Z",   // 03:30 EDT (02:30 does not exist)
                "2024-03-11T06:30:00Z")); // 02:30 EDT
        Schedule fall = Schedule.parse("30 1 * * *", NEW_YORK);
        assertFiresBothWays(fall, t("2024-11-01T12:00:00Z"), instants(
                "2024-11-02T05:30:00Z",   // 01:30 EDT
                "2024-11-03T05:30:00Z",   // first 01:30 (EDT) only; 06:30Z (EST) does not fire
                "2024-11-04T06:30:00Z")); // 01:30 EST
        Schedule midnight = Schedule.parse("@daily", NEW_YORK);
        assertFiresBothWays(midnight, t("2024-11-02T00:00:00Z"), instants(
                "2024-11-02T04:00:00Z", "2024-11-03T04:00:00Z", "2024-11-04T05:00:00Z", "2024-11-05T05:00:00Z"));
    }

    @Test
    void everyMinuteCronFiresEveryRealMinuteAcrossBothTransitions() {
        Schedule s = Schedule.parse("* * * * *", BERLIN);
        for (String from : new String[]{"2024-03-30T23:30:00Z", "2024-10-26T23:30:00Z"}) {
            Instant cur = t(from);
            for (int i = 0; i < 180; i++) {
                Instant next = s.nextFire(cur).orElseThrow();
                assertThat(next).isEqualTo(cur.plusSeconds(60));
                assertThat(s.previousFire(next)).contains(cur);
                cur = next;
            }
        }
    }

    @Test
    void dstAwareStartDateAlignment() {
        // start_date 2024-03-31 02:30 Berlin does not exist: it moves forward to 03:30 CEST like the cron fire.
        Dag d = dag("30 2 * * *", BERLIN, LocalDateTime.of(2024, 3, 31, 2, 30)).catchup(true).build();
        assertThat(Schedule.due(d, null, t("2024-04-02T12:00:00Z"), 10)).containsExactly(
                iv("2024-03-31T01:30:00Z", "2024-04-01T00:30:00Z"),
                iv("2024-04-01T00:30:00Z", "2024-04-02T00:30:00Z"));
    }

    // ------------------------------------------------------------------ planner

    static final LocalDateTime JAN1 = LocalDateTime.of(2024, 1, 1, 0, 0);

    @Test
    void catchupCreatesEveryMissedIntervalInOrder() {
        Dag d = dag("@daily", UTC, JAN1).catchup(true).build();
        Instant now = t("2024-01-05T10:00:00Z");
        assertThat(Schedule.due(d, null, now, 100)).containsExactly(
                iv("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z"),
                iv("2024-01-02T00:00:00Z", "2024-01-03T00:00:00Z"),
                iv("2024-01-03T00:00:00Z", "2024-01-04T00:00:00Z"),
                iv("2024-01-04T00:00:00Z", "2024-01-05T00:00:00Z"));
        assertThat(Schedule.due(d, t("2024-01-02T00:00:00Z"), now, 100)).containsExactly(
                iv("2024-01-03T00:00:00Z", "2024-01-04T00:00:00Z"),
                iv("2024-01-04T00:00:00Z", "2024-01-05T00:00:00Z"));
        assertThat(Schedule.due(d, t("2024-01-04T00:00:00Z"), now, 100)).isEmpty();
        // The current interval is due exactly at its end.
        assertThat(Schedule.due(d, t("2024-01-04T00:00:00Z"), t("2024-01-06T00:00:00Z"), 100))
                .containsExactly(iv("2024-01-05T00:00:00Z", "2024-01-06T00:00:00Z"));
        assertThat(Schedule.due(d, t("2024-01-04T00:00:00Z"), t("2024-01-05T23:59:59Z"), 100)).isEmpty();
    }

    @Test
    void catchupIsBoundedByLimit() {
        Dag d = dag("@daily", UTC, JAN1).catchup(true).maxActiveRuns(2).build();
        Instant now = t("2024-02-01T00:00:00Z");
        assertThat(Schedule.due(d, null, now, d.maxActiveRuns())).containsExactly(
                iv("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z"),
                iv("2024-01-02T00:00:00Z", "2024-01-03T00:00:00Z"));
        assertThat(Schedule.due(d, null, now, 0)).isEmpty();
        assertThat(Schedule.due(d, null, now, -1)).isEmpty();
        assertThat(Schedule.due(d, null, now, 1000)).hasSize(31);
    }

    @Test
    void catchupAlignsStartDateToTheCron() {
        Dag d = dag("0 2 * * *", UTC, LocalDateTime.of(2024, 1, 1, 10, 30)).catchup(true).build();
        assertThat(Schedule.due(d, null, t("2024-01-04T03:00:00Z"), 100)).containsExactly(
                iv("2024-01-02T02:00:00Z", "2024-01-03T02:00:00Z"),
                iv("2024-01-03T02:00:00Z", "2024-01-04T02:00:00Z"));
    }

    @Test
    void catchupStopsAtEndDateInclusive() {
        Dag d = dag("@daily", UTC, JAN1).catchup(true).endDate(LocalDate.of(2024, 1, 3)).build();
        assertThat(Schedule.due(d, null, t("2024-02-01T00:00:00Z"), 100)).containsExactly(
                iv("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z"),
                iv("2024-01-02T00:00:00Z", "2024-01-03T00:00:00Z"),
                iv("2024-01-03T00:00:00Z", "2024-01-04T00:00:00Z"));
        assertThat(Schedule.due(d, t("2024-01-03T00:00:00Z"), t("2024-02-01T00:00:00Z"), 100)).isEmpty();
        assertThat(Schedule.of(d).nextInterval(t("2024-01-03T00:00:00Z"))).isEmpty();
    }

    @Test
    void catchupBeforeStartDateIsEmpty() {
        Dag d = dag("@daily", UTC, LocalDateTime.of(2030, 1, 1, 0, 0)).catchup(true).build();
        assertThat(Schedule.due(d, null, t("2024-02-01T00:00:00Z"), 100)).isEmpty();
    }

    @Test
    void catchupInTheDagZone() {
        Dag d = dag("0 2 * * *", BERLIN, JAN1).catchup(true).build();
        assertThat(Schedule.due(d, null, t("2024-01-03T01:00:00Z"), 100)).containsExactly(
                iv("2024-01-01T01:00:00Z", "2024-01-02T01:00:00Z"),
                iv("2024-01-02T01:00:00Z", "2024-01-03T01:00:00Z"));
    }

    @Test
    void noCatchupCreatesOnlyTheLatestCompleteInterval() {
        Dag d = dag("@daily", UTC, JAN1).catchup(false).build();
        Instant now = t("2024-01-05T10:00:00Z");
        DataInterval latest = iv("2024-01-04T00:00:00Z", "2024-01-05T00:00:00Z");
        assertThat(Schedule.due(d, null, now, 100)).containsExactly(latest);
        assertThat(Schedule.due(d, t("2024-01-01T00:00:00Z"), now, 100)).containsExactly(latest);
        assertThat(Schedule.due(d, t("2024-01-04T00:00:00Z"), now, 100)).isEmpty();
        // Exactly on a boundary the interval ending now is the latest.
        assertThat(Schedule.due(d, null, t("2024-01-05T00:00:00Z"), 100)).containsExactly(latest);
        assertThat(Schedule.due(d, null, t("2024-01-04T23:59:59Z"), 100))
                .containsExactly(iv("2024-01-03T00:00:00Z", "2024-01-04T00:00:00Z"));
        assertThat(Schedule.due(d, null, now, 0)).isEmpty();
    }

    @Test
    void noCatchupRespectsStartAndEndDate() {
        // Start after the latest interval's start: the first interval is due once complete.
        Dag late = dag("@daily", UTC, LocalDateTime.of(2024, 1, 4, 0, 0)).catchup(false).build();
        assertThat(Schedule.due(late, null, t("2024-01-05T10:00:00Z"), 100))
                .containsExactly(iv("2024-01-04T00:00:00Z", "2024-01-05T00:00:00Z"));
        Dag future = dag("@daily", UTC, LocalDateTime.of(2024, 1, 5, 0, 0)).catchup(false).build();
        assertThat(Schedule.due(future, null, t("2024-01-05T10:00:00Z"), 100)).isEmpty();
        // As Airflow: once end_date is before the latest interval, catchup=false creates nothing.
        Dag ended = dag("@daily", UTC, JAN1).catchup(false).endDate(LocalDate.of(2024, 1, 2)).build();
        assertThat(Schedule.due(ended, null, t("2024-01-05T10:00:00Z"), 100)).isEmpty();
        Dag endsToday = dag("@daily", UTC, JAN1).catchup(false).endDate(LocalDate.of(2024, 1, 4)).build();
        assertThat(Schedule.due(endsToday, null, t("2024-01-05T10:00:00Z"), 100))
                .containsExactly(iv("2024-01-04T00:00:00Z", "2024-01-05T00:00:00Z"));
    }

    @Test
    void noStartDateMeansLatestOnlyEvenWithCatchup() {
        Dag d = DagBuilder.dag("d").schedule("@hourly").catchup(true).task("t", b -> b.command("true")).build();
        assertThat(Schedule.due(d, null, t("2024-01-05T10:30:00Z"), 100))
                .containsExactly(iv("2024-01-05T09:00:00Z", "2024-01-05T10:00:00Z"));
        assertThat(Schedule.due(d, t("2024-01-05T07:00:00Z"), t("2024-01-05T10:30:00Z"), 100)).containsExactly(
                iv("2024-01-05T08:00:00Z", "2024-01-05T09:00:00Z"),
                iv("2024-01-05T09:00:00Z", "2024-01-05T10:00:00Z"));
    }

    @Test
    void dueIsDeterministicAndGivesStableRunIds() {
        Dag d = dag("@hourly", BERLIN, JAN1).catchup(true).build();
        Instant now = t("2024-01-01T05:17:00Z");
        List<DataInterval> a = Schedule.due(d, null, now, 100);
        List<DataInterval> b = Schedule.due(d, null, now, 100);
        assertThat(a).isEqualTo(b).hasSize(6); // 00:00 Berlin = 2023-12-31T23:00Z .. 04:00Z
        assertThat(RunIds.scheduled("d", a.get(0).logicalDate())).isEqualTo("d.scheduled__2023-12-31T23:00:00Z");
    }

    // ------------------------------------------------------------------ backfill

    @Test
    void backfillRangeIsInclusiveOfWholeDays() {
        Dag d = dag("@daily", UTC, JAN1).build();
        assertThat(Schedule.between(d, LocalDate.of(2024, 1, 1), LocalDate.of(2024, 1, 3))).containsExactly(
                iv("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z"),
                iv("2024-01-02T00:00:00Z", "2024-01-03T00:00:00Z"),
                iv("2024-01-03T00:00:00Z", "2024-01-04T00:00:00Z"));
        Dag hourly = dag("@hourly", UTC, JAN1).build();
        List<DataInterval> day = Schedule.between(hourly, LocalDate.of(2024, 1, 1), LocalDate.of(2024, 1, 1));
        assertThat(day).hasSize(24);
        assertThat(day.get(0).start()).isEqualTo(t("2024-01-01T00:00:00Z"));
        assertThat(day.get(23).start()).isEqualTo(t("2024-01-01T23:00:00Z"));
    }

    @Test
    void backfillUsesTheDagZoneAndIgnoresStartAndEndDate() {
        Dag d = dag("0 2 * * *", BERLIN, LocalDateTime.of(2024, 6, 1, 0, 0)).endDate(LocalDate.of(2024, 6, 2)).build();
        assertThat(Schedule.between(d, LocalDate.of(2024, 1, 1), LocalDate.of(2024, 1, 2))).containsExactly(
                iv("2024-01-01T01:00:00Z", "2024-01-02T01:00:00Z"),
                iv("2024-01-02T01:00:00Z", "2024-01-03T01:00:00Z"));
        // The Berlin day of 2024-10-27 has 25 hourly runs.
        Dag hourly = dag("@hourly", BERLIN, JAN1).build();
        assertThat(Schedule.between(hourly, LocalDate.of(2024, 10, 27), LocalDate.of(2024, 10, 27))).hasSize(25);
        assertThat(Schedule.between(hourly, LocalDate.of(2024, 3, 31), LocalDate.of(2024, 3, 31))).hasSize(23);
    }

    @Test
    void backfillRejectsAnInvertedRangeAndHandlesOnce() {
        Dag d = dag("@daily", UTC, JAN1).build();
        assertThatThrownBy(() -> Schedule.between(d, LocalDate.of(2024, 1, 3), LocalDate.of(2024, 1, 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2024-01-03");
        Dag once = dag("@once", UTC, LocalDateTime.of(2024, 1, 2, 5, 0)).build();
        assertThat(Schedule.between(once, LocalDate.of(2024, 1, 1), LocalDate.of(2024, 1, 2)))
                .containsExactly(iv("2024-01-02T05:00:00Z", "2024-01-02T05:00:00Z"));
        assertThat(Schedule.between(once, LocalDate.of(2024, 1, 3), LocalDate.of(2024, 1, 4))).isEmpty();
    }

    // ------------------------------------------------------------------ bad expressions

    @ParameterizedTest
    @ValueSource(strings = {"0 0 2 * * *", "61 * * * *", "@weekday", "", "   ", "0 25 * * *", "a b c d e", "* * *",
            "0 0 32 * *", "0 0 * 13 *", "@continuous"})
    void badExpressionsAreRejectedWithTheExpressionInTheMessage(String expr) {
        assertThatThrownBy(() -> Schedule.parse(expr, UTC))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid schedule '" + expr + "'");
    }

    @Test
    void badExpressionMessagesSayWhatIsWrong() {
        assertThatThrownBy(() -> Schedule.parse("0 0 2 * * *", UTC)).hasMessageContaining("exactly 5 fields");
        assertThatThrownBy(() -> Schedule.parse("@weekday", UTC)).hasMessageContaining("unknown preset");
        assertThatThrownBy(() -> Schedule.parse("", UTC)).hasMessageContaining("empty");
        assertThatThrownBy(() -> Schedule.parse("61 * * * *", UTC)).hasMessageContaining("61");
    }

    @Test
    void whitespaceIsNormalised() {
        Schedule s = Schedule.parse("  0   2 * *  * ", UTC);
        assertThat(s.cron()).isEqualTo("0 2 * * *");
        assertThat(s.expression()).isEqualTo("0   2 * *  *");
        assertThat(Schedule.parse("@daily", UTC).cron()).isEqualTo("0 0 * * *");
        assertThat(Optional.ofNullable(Schedule.parse(null, UTC).cron())).isEmpty();
    }
}
