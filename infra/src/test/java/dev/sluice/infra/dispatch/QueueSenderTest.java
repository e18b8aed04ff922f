package dev.sluice.infra.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class QueueSenderTest {
    @Test
    void delaysAreWholeSecondsUpTo900() {
        assertThat(QueueSender.delaySeconds(null)).isZero();
        assertThat(QueueSender.delaySeconds(Duration.ZERO)).isZero();
        assertThat(QueueSender.delaySeconds(Duration.ofMillis(1500))).isEqualTo(2);
        assertThat(QueueSender.delaySeconds(Duration.ofSeconds(900))).isEqualTo(900);
        assertThatThrownBy(() -> QueueSender.delaySeconds(Duration.ofSeconds(901)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timer");
        assertThatThrownBy(() -> QueueSender.delaySeconds(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new QueueSender.Message("1", "{}", Duration.ofHours(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
