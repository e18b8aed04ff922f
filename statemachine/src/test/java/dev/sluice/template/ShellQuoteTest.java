package dev.sluice.template;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ShellQuoteTest {

    @Test
    void safeTokensStayBare() {
        for (String s : new String[]{"orders", "2024-01-01", "42", "a/b.c", "s3://bucket/key", "x@y", "50%", "a,b", "+1", "-n"}) {
            assertThat(ShellQuote.quote(s)).isEqualTo(s);
        }
    }

    @Test
    void everythingElseIsSingleQuoted() {
        assertThat(ShellQuote.quote("")).isEqualTo("''");
        assertThat(ShellQuote.quote(null)).isEqualTo("''");
        assertThat(ShellQuote.quote("a b")).isEqualTo("'a b'");
        assertThat(ShellQuote.quote("it's")).isEqualTo("'it'\\''s'");
        assertThat(ShellQuote.quote("'")).isEqualTo("''\\'''");
        assertThat(ShellQuote.quote("$(x)")).isEqualTo("'$(x)'");
        assertThat(ShellQuote.quote("a=b")).isEqualTo("'a=b'"); // would be an assignment in command position
        assertThat(ShellQuote.quote("~")).isEqualTo("'~'");
        assertThat(ShellQuote.quote("*")).isEqualTo("'*'");
        assertThat(ShellQuote.quote("é")).isEqualTo("'é'");
        assertThat(ShellQuote.quoteAlways("abc")).isEqualTo("'abc'");
    }
}
