package dev.sluice.functions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvTest {
    private static Env.Config config(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of(Env.TABLE, "t", Env.BUCKET, "b", Env.QUEUE_URL, "q"));
        env.putAll(extra);
        return Env.from(env::get);
    }

    @Test
    void runItemsLiveADayLongerThanThePayloadRetentionTheTemplateSets() {
        assertThat(config(Map.of(Env.RUN_RETENTION_DAYS, "400")).runRetention()).isEqualTo(Duration.ofDays(401));
        assertThat(config(Map.of(Env.RUN_RETENTION_DAYS, " 1 ")).runRetention()).isEqualTo(Duration.ofDays(2));
        assertThat(config(Map.of()).runRetention()).isNull();
        assertThat(config(Map.of(Env.RUN_RETENTION_DAYS, "")).runRetention()).isNull();
    }

    @Test
    void aRetentionThatIsNotAPositiveNumberOfDaysIsRefusedByName() {
        assertThatThrownBy(() -> config(Map.of(Env.RUN_RETENTION_DAYS, "0")))
                .hasMessage(Env.RUN_RETENTION_DAYS + " must be at least 1, got 0");
        assertThatThrownBy(() -> config(Map.of(Env.RUN_RETENTION_DAYS, "30d")))
                .hasMessage(Env.RUN_RETENTION_DAYS + " is not a number of days: 30d");
    }

    @Test
    void theDeadLetterQueueIsReadAndKeptThroughTheCopies() {
        Env.Config c = config(Map.of(Env.DLQ_URL, "http://sqs/dlq"));
        assertThat(c.deadLetterQueueUrl()).isEqualTo("http://sqs/dlq");
        assertThat(c.withQueueUrl("q2").withTaskClass("x").withAlertTopicArn("a").deadLetterQueueUrl())
                .isEqualTo("http://sqs/dlq");
        assertThat(config(Map.of()).deadLetterQueueUrl()).isNull();
    }
}
