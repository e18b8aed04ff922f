package dev.sluice.schedule;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RunIdsTest {

    @Test
    void timestampIdsAreIsoUtcWithSecondsAndZ() {
        Instant t = Instant.parse("2024-01-01T02:00:00Z");
        assertThat(RunIds.scheduled("etl", t)).isEqualTo("etl.scheduled__2024-01-01T02:00:00Z");
        assertThat(RunIds.backfill("etl", t)).isEqualTo("etl.backfill__2024-01-01T02:00:00Z");
        assertThat(RunIds.manual("etl", Instant.parse("2024-05-03T10:15:42.987654Z"))).isEqualTo("etl.manual__2024-05-03T10:15:42.987654Z");
        assertThat(RunIds.scheduled("etl", Instant.parse("2024-01-01T00:00:00Z"))).isEqualTo("etl.scheduled__2024-01-01T00:00:00Z");
    }

    @Test
    void manualTriggersInTheSameSecondAreSeparateRunsToTheMicrosecond() {
        Instant t = Instant.parse("2024-05-03T10:15:42.000001Z");

        assertThat(RunIds.manual("etl", t)).isNotEqualTo(RunIds.manual("etl", t.plusNanos(1000)))
                .isNotEqualTo(RunIds.manual("etl", t.minusNanos(1000)));
        assertThat(RunIds.manual("etl", Instant.parse("2024-05-03T00:00:00Z")))
                .isEqualTo("etl.manual__2024-05-03T00:00:00Z");
        assertThat(RunIds.parse(RunIds.manual("etl", t)).timestamp()).contains(t);
    }

    @Test
    void idsAreDeterministic() {
        Instant t = Instant.parse("2024-03-31T01:00:00Z");
        assertThat(RunIds.scheduled("etl", t)).isEqualTo(RunIds.scheduled("etl", Instant.parse("2024-03-31T01:00:00Z")));
        assertThat(RunIds.s3("etl", "b", "k", "1")).isEqualTo(RunIds.s3("etl", "b", "k", "1"));
    }

    @Test
    void s3IdsHashBucketKeyAndSequencer() {
        // echo -n "my-bucket/raw/2024-01-01/data_1.parquet/0055AED6DCD90281E5" | sha256sum
        assertThat(RunIds.s3("etl", "my-bucket", "raw/2024-01-01/data_1.parquet", "0055AED6DCD90281E5"))
                .isEqualTo("etl.s3__e07aaeec5a2a60f3");
        assertThat(RunIds.s3("etl", "b", "k", "1")).isNotEqualTo(RunIds.s3("etl", "b", "k", "2"));
        assertThat(RunIds.s3("etl", "b", "k", "1")).isNotEqualTo(RunIds.s3("etl", "b", "k2", "1"));
        assertThat(RunIds.s3("etl", "b", "k with spaces/and $(weird) chars", "1")).matches("etl\\.s3__[0-9a-f]{16}");
    }

    @Test
    void everyIdIsValid() {
        Instant t = Instant.parse("2024-01-01T02:00:00Z");
        for (String id : new String[]{RunIds.scheduled("etl", t), RunIds.manual("etl", t), RunIds.backfill("etl", t), RunIds.s3("etl", "b", "k", "s")}) {
            assertThat(RunIds.isValid(id)).as(id).isTrue();
            assertThat(id).matches("[A-Za-z0-9_.:+-]+");
        }
        assertThat(RunIds.isValid("a b")).isFalse();
        assertThat(RunIds.isValid("a/b")).isFalse();
        assertThat(RunIds.isValid("")).isFalse();
        assertThat(RunIds.isValid(null)).isFalse();
    }

    @Test
    void parseReadsTheKindAndTimestampBack() {
        Instant t = Instant.parse("2024-01-01T02:00:00Z");
        RunIds.ParsedRunId p = RunIds.parse(RunIds.scheduled("etl", t));
        assertThat(p.kind()).isEqualTo(RunIds.Kind.SCHEDULED);
        assertThat(p.timestamp()).contains(t);
        assertThat(p.suffix()).isEqualTo("2024-01-01T02:00:00Z");
        assertThat(RunIds.kindOf(RunIds.manual("etl", t))).isEqualTo(RunIds.Kind.MANUAL);
        assertThat(RunIds.kindOf(RunIds.backfill("etl", t))).isEqualTo(RunIds.Kind.BACKFILL);
        RunIds.ParsedRunId s3 = RunIds.parse(RunIds.s3("etl", "b", "k", "s"));
        assertThat(s3.kind()).isEqualTo(RunIds.Kind.S3);
        assertThat(s3.timestamp()).isEmpty();
        assertThat(s3.suffix()).hasSize(16);
        assertThat(s3.dagId()).isEqualTo("etl");
    }

    @Test
    void runIdsAreUniqueAcrossDagsAndNameTheirDag() {
        Instant t = Instant.parse("2024-01-01T02:00:00Z");
        assertThat(RunIds.scheduled("a", t)).isNotEqualTo(RunIds.scheduled("b", t));
        RunIds.ParsedRunId p = RunIds.parse(RunIds.scheduled("my.dotted__dag", t));
        assertThat(p.dagId()).isEqualTo("my.dotted__dag");
        assertThat(p.airflowRunId()).isEqualTo("scheduled__2024-01-01T02:00:00Z");
        assertThat(RunIds.s3("a", "b", "k", "1")).isNotEqualTo(RunIds.s3("c", "b", "k", "1"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "scheduled", "hourly__2024-01-01T00:00:00Z", "scheduled__yesterday", "s3__xyz",
            "manual__2024-01-01 00:00", "scheduled__2024-01-01T00:00:00Z;rm", "scheduled__2024-01-01T00:00:00Z",
            ".scheduled__2024-01-01T00:00:00Z", "etl.hourly__2024-01-01T00:00:00Z"})
    void parseRejectsMalformedIds(String id) {
        assertThatThrownBy(() -> RunIds.parse(id)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid run id '" + id + "'");
    }
}
