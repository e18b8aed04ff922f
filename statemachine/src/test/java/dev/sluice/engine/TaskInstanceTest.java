package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.state.TaskState;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Named construction of task instances: the builder, toBuilder and the with* copies made through it. */
class TaskInstanceTest {
    private static final Instant T = Instant.parse("2024-01-01T00:00:00Z");

    private static TaskInstance full() {
        return TaskInstance.builder("r1", "a").mapIndex(3).state(TaskState.RUNNING).tryNumber(2).maxTries(4)
                .priority(9).upstream(new UpstreamCounts(1, 2, 3, 4, 5)).mapCount(6).itemJson("{\"i\":1}")
                .outputJson("[1]").error("boom").queuedAt(T).startedAt(T.plusSeconds(1)).endedAt(T.plusSeconds(2))
                .deadline(T.plusSeconds(3)).nextAttemptAt(T.plusSeconds(4)).version(7)
                .tentative(new TaskInstance.Tentative(MarkSource.decode("up#-1#3#TaskSucceeded"), TaskState.NONE))
                .build();
    }

    @Test
    void aNewInstanceIsNoneWithNothingSet() {
        TaskInstance t = TaskInstance.builder("r1", "a").build();
        assertThat(t.mapIndex()).isEqualTo(-1);
        assertThat(t.state()).isEqualTo(TaskState.NONE);
        assertThat(t.tryNumber()).isZero();
        assertThat(t.upstream()).isEqualTo(UpstreamCounts.ZERO);
        assertThat(t.mapCount()).isEqualTo(-1);
        assertThat(t.version()).isZero();
        assertThat(t.tentative()).isNull();
        assertThat(TaskInstance.initial("r1", "a", 3, 5))
                .isEqualTo(TaskInstance.builder("r1", "a").maxTries(3).priority(5).build());
    }

    @Test
    void everyFieldIsSetByName() {
        TaskInstance t = full();
        assertThat(t.key()).isEqualTo(new TaskKey("a", 3));
        assertThat(t.tryNumber()).isEqualTo(2);
        assertThat(t.maxTries()).isEqualTo(4);
        assertThat(t.priority()).isEqualTo(9);
        assertThat(t.upstream()).isEqualTo(new UpstreamCounts(1, 2, 3, 4, 5));
        assertThat(t.mapCount()).isEqualTo(6);
        assertThat(t.itemJson()).isEqualTo("{\"i\":1}");
        assertThat(t.outputJson()).isEqualTo("[1]");
        assertThat(t.error()).isEqualTo("boom");
        assertThat(t.queuedAt()).isEqualTo(T);
        assertThat(t.startedAt()).isEqualTo(T.plusSeconds(1));
        assertThat(t.endedAt()).isEqualTo(T.plusSeconds(2));
        assertThat(t.deadline()).isEqualTo(T.plusSeconds(3));
        assertThat(t.nextAttemptAt()).isEqualTo(T.plusSeconds(4));
        assertThat(t.version()).isEqualTo(7);
        assertThat(t.tentative().source()).isEqualTo(new MarkSource(TaskKey.of("up"), 3, "TaskSucceeded"));
    }

    @Test
    void toBuilderCopiesEveryField() {
        assertThat(full().toBuilder().build()).isEqualTo(full());
    }

    @Test
    void copiesChangeOnlyTheirField() {
        TaskInstance t = full();
        assertThat(t.withVersion(8)).isEqualTo(t.toBuilder().version(8).build());
        assertThat(t.withTentative(null).tentative()).isNull();
        assertThat(t.withTentative(null).withVersion(7).withTentative(t.tentative())).isEqualTo(t);
        assertThat(t.withResult("{}", null)).isEqualTo(t.toBuilder().outputJson("{}").error(null).build());
        assertThat(t.withState(TaskState.SUCCESS).state()).isEqualTo(TaskState.SUCCESS);
        assertThat(t.withState(TaskState.SUCCESS).toBuilder().state(TaskState.RUNNING).build()).isEqualTo(t);
    }

    @Test
    void withStateChecksTheTransitionTable() {
        assertThatThrownBy(() -> TaskInstance.builder("r1", "a").build().withState(TaskState.RUNNING))
                .isInstanceOf(RuntimeException.class).hasMessageContaining("none");
    }

    @Test
    void buildRequiresTheIdentity() {
        assertThatThrownBy(() -> TaskInstance.builder(null, "a").build()).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> TaskInstance.builder("r1", "a").state(null).build())
                .isInstanceOf(NullPointerException.class);
    }
}
