package dev.sluice.functions.effect;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

class LogsInsightsLinkTest {
    @Test
    void theLinkOpensLogsInsightsOnTheFunctionsGroupWithTheTrysQuery() {
        String query = LogsInsightsLink.query("d.manual__2024-01-01T00:00:00Z", "load", -1, 2);
        assertThat(query).isEqualTo("fields @timestamp, event, taskId, mapIndex, tryNumber, state, error, line"
                + " | filter runId = \"d.manual__2024-01-01T00:00:00Z\" and taskId = \"load\" and tryNumber = 2"
                + " | sort @timestamp asc");
        String link = LogsInsightsLink.link("eu-west-1", LogsInsightsLink.logGroup("prod", "CommandRunnerFunction"),
                query);
        assertThat(link).startsWith("https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1"
                + "#logsV2:logs-insights$3FqueryDetail$3D~(end~0~start~-604800~timeType~'RELATIVE~unit~'seconds"
                + "~editorString~'fields*20*40timestamp*2C*20event")
                .endsWith("~source~(~'*2Fsluice*2Fprod*2FCommandRunnerFunction))");
        assertThat(URI.create(link.replace("#", "?x=").replace("'", "%27")).getHost())
                .isEqualTo("eu-west-1.console.aws.amazon.com");
    }

    @Test
    void valuesAreEscapedSoNoneCanEndTheQueryOrTheLink() {
        String query = LogsInsightsLink.query("r\"|x ~'()", "t", 3, 0);
        assertThat(query).contains("runId = \"r\\\"|x ~'()\"", "and mapIndex = 3").doesNotContain("tryNumber =");
        String escaped = LogsInsightsLink.escape(query);
        assertThat(escaped).matches("[A-Za-z0-9._*-]*");
        assertThat(LogsInsightsLink.escape("é")).isEqualTo("*C3*A9");
    }
}
