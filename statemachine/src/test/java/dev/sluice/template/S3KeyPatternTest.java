package dev.sluice.template;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.LocalDate;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class S3KeyPatternTest {

    @Test
    void dsAndSingleSegmentWildcard() {
        S3KeyPattern p = S3KeyPattern.compile("raw/{{ ds }}/data_*.parquet");
        Optional<S3KeyPattern.Match> m = p.match("raw/2024-01-01/data_7.parquet");
        assertThat(m).isPresent();
        assertThat(m.get().logicalDate()).contains(LocalDate.of(2024, 1, 1));
        assertThat(m.get().wildcards()).containsExactly("7");
        assertThat(m.get().key()).isEqualTo("raw/2024-01-01/data_7.parquet");
        assertThat(p.match("raw/2024-01-01/data_.parquet").get().wildcards()).containsExactly("");
        assertThat(p.hasDate()).isTrue();
        assertThat(p.literalPrefix()).isEqualTo("raw/");
    }

    @Test
    void dsNodashAndDoubleStar() {
        S3KeyPattern p = S3KeyPattern.compile("landing/{{ds_nodash}}/**.csv");
        S3KeyPattern.Match m = p.match("landing/20240229/a/b/c.csv").orElseThrow();
        assertThat(m.logicalDate()).contains(LocalDate.of(2024, 2, 29));
        assertThat(m.wildcards()).containsExactly("a/b/c");
        assertThat(p.matches("landing/20240229/x.csv")).isTrue();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "raw/{{ ds }}/data_*.parquet | raw/2024-01-01/sub/data_7.parquet",   // * does not cross '/'
            "raw/{{ ds }}/data_*.parquet | raw/2024-01-01/data_7.parquetx",      // whole key must match
            "raw/{{ ds }}/data_*.parquet | xraw/2024-01-01/data_7.parquet",
            "raw/{{ ds }}/data_*.parquet | raw/2024-1-01/data_7.parquet",
            "raw/{{ ds }}/data_*.parquet | raw/2024-02-30/data_7.parquet",       // not a real date
            "raw/{{ ds }}/data_*.parquet | raw/2024-13-01/data_7.parquet",
            "raw/{{ ds }}/data_*.parquet | raw/20240101/data_7.parquet",
            "landing/{{ ds_nodash }}/*.csv | landing/2024-01-01/a.csv",
            "landing/{{ ds_nodash }}/*.csv | landing/202401011/a.csv",
            "a.b/*.csv | aXb/x.csv",                                            // '.' is literal
            "data+(1)/[x]/*.json | data+(1)/x/a.json",
    })
    void nonMatchingKeys(String pattern, String key) {
        assertThat(S3KeyPattern.compile(pattern).match(key)).isEmpty();
    }

    @Test
    void regexMetacharactersAreLiteral() {
        S3KeyPattern p = S3KeyPattern.compile("data+(1)/[x]{2}/$^|?.\\Q\\E/*.json");
        assertThat(p.match("data+(1)/[x]{2}/$^|?.\\Q\\E/a.json")).isPresent();
        assertThat(p.match("dataa(1)/[x]{2}/$^|?.\\Q\\E/a.json")).isEmpty();
        assertThat(p.match("data+1/[x]{2}/$^|?.\\Q\\E/a.json")).isEmpty();
        assertThat(p.hasDate()).isFalse();
        assertThat(p.match("data+(1)/[x]{2}/$^|?.\\Q\\E/a.json").get().logicalDate()).isEmpty();
    }

    @Test
    void urlIshAndUnicodeKeys() {
        S3KeyPattern p = S3KeyPattern.compile("in/{{ ds }}/*");
        assertThat(p.match("in/2024-01-01/file%20name+with spaces&x=1?y#z").get().wildcards())
                .containsExactly("file%20name+with spaces&x=1?y#z");
        assertThat(p.match("in/2024-01-01/résumé ✓.txt")).isPresent();
        assertThat(p.match("in/2024-01-01/a\nb")).isPresent(); // newlines are ordinary characters
        assertThat(S3KeyPattern.compile("a?b").matches("a?b")).isTrue();
        assertThat(S3KeyPattern.compile("a?b").matches("axb")).isFalse();
    }

    @Test
    void severalWildcardsAndDatesAgree() {
        S3KeyPattern p = S3KeyPattern.compile("*/{{ ds }}/**/{{ ds_nodash }}_*.csv");
        S3KeyPattern.Match m = p.match("eu/2024-03-05/deep/er/20240305_part1.csv").orElseThrow();
        assertThat(m.wildcards()).containsExactly("eu", "deep/er", "part1");
        assertThat(m.logicalDate()).contains(LocalDate.of(2024, 3, 5));
        assertThat(p.match("eu/2024-03-05/x/20240306_part1.csv")).isEmpty();
        assertThat(p.literalPrefix()).isEmpty();
    }

    @Test
    void patternWithoutVariables() {
        S3KeyPattern p = S3KeyPattern.compile("exports/daily.csv");
        assertThat(p.match("exports/daily.csv")).contains(new S3KeyPattern.Match("exports/daily.csv", Optional.empty(), List.of()));
        assertThat(p.literalPrefix()).isEqualTo("exports/daily.csv");
    }

    @ParameterizedTest
    @ValueSource(strings = {"raw/{{ ts }}/x", "raw/{{ item }}/*", "raw/{{ params.x }}", "raw/{% if x %}a{% endif %}",
            "raw/{{ ds", "", "raw/{# c #}"})
    void unsupportedPatternsAreRejected(String pattern) {
        assertThatThrownBy(() -> S3KeyPattern.compile(pattern))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid S3 key pattern '" + pattern + "'");
    }

    @Test
    void rejectionNamesTheVariable() {
        assertThatThrownBy(() -> S3KeyPattern.compile("raw/{{ ts }}/x")).hasMessageContaining("'ts'");
    }
}
