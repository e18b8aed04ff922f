package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.state.TaskState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The text form of a tentative mark's source, as the SQLite and DynamoDB stores persist it. */
class MarkSourceTest {

    @Test
    void encodesInTheStoredFormat() {
        assertThat(new MarkSource(TaskKey.of("a"), 1, "TaskSucceeded").encode()).isEqualTo("a#-1#1#TaskSucceeded");
        assertThat(new MarkSource(new TaskKey("load.part-2", 17), 3, "TaskFailed").encode())
                .isEqualTo("load.part-2#17#3#TaskFailed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a#-1#1#TaskSucceeded", "up#-1#3#TaskSucceeded", "each#4#2#TaskTimedOut",
            "x.y_z-1#0#12#BranchChosen", "odd#name#-1#1#TaskSkipped", "t#-1#-2#TaskFailed"})
    void decodesWhatItEncodes(String text) {
        MarkSource source = MarkSource.decode(text);
        assertThat(source.encode()).isEqualTo(text);
        assertThat(MarkSource.decode(source.encode())).isEqualTo(source);
    }

    @Test
    void decodesTheFields() {
        MarkSource source = MarkSource.decode("odd#name#5#2#TaskSkipped");
        assertThat(source.task()).isEqualTo(new TaskKey("odd#name", 5));
        assertThat(source.tryNumber()).isEqualTo(2);
        assertThat(source.eventKind()).isEqualTo("TaskSkipped");
    }

    @Test
    void theSourceOfAnEventIsItsInstanceTryAndKind() {
        MarkSource source = MarkSource.of(new Event.TaskFailed(new TaskKey("m", 2), 4, "boom", true));
        assertThat(source).isEqualTo(new MarkSource(new TaskKey("m", 2), 4, "TaskFailed"));
        assertThat(source).isNotEqualTo(MarkSource.of(new Event.TaskSucceeded(new TaskKey("m", 2), 4, null)));
    }

    @Test
    void marksOfTheSameSourceAreEqual() {
        TaskInstance.Tentative stored = new TaskInstance.Tentative(MarkSource.decode("a#-1#1#TaskSucceeded"),
                TaskState.NONE);
        assertThat(stored).isEqualTo(new TaskInstance.Tentative(
                MarkSource.of(new Event.TaskSucceeded(TaskKey.of("a"), 1, "{}")), TaskState.NONE));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "#", "a", "a#-1#1", "a#-1#1#", "#-1#1#TaskSucceeded", "a#x#1#TaskSucceeded",
            "a#-1#one#TaskSucceeded", "a#-2#1#TaskSucceeded", "a#-1#+1#TaskSucceeded", "a#-1#01#TaskSucceeded",
            "a#-1#99999999999#TaskSucceeded", "a##1#TaskSucceeded", "a#-1##TaskSucceeded"})
    void refusesGarbage(String text) {
        assertThatThrownBy(() -> MarkSource.decode(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a tentative mark source");
    }

    @Test
    void refusesAKindItCouldNotReadBack() {
        assertThatThrownBy(() -> new MarkSource(TaskKey.of("a"), 1, "Task#Succeeded"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MarkSource(TaskKey.of("a"), 1, ""))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MarkSource.decode(null)).isInstanceOf(NullPointerException.class);
    }
}
