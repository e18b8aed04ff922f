package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.model.Dag;
import dev.sluice.model.DagBuilder;
import org.junit.jupiter.api.Test;

class EngineOptionsTest {

    @Test
    void defaultsAreUnboundedAndAtomic() {
        assertThat(EngineOptions.DEFAULTS.maxDispatchesPerDecision()).isEqualTo(Integer.MAX_VALUE);
        assertThat(EngineOptions.DEFAULTS.orderedWrites()).isFalse();
        assertThat(EngineOptions.builder().build()).isEqualTo(EngineOptions.DEFAULTS);
        Dag dag = DagBuilder.dag("d").task("a", t -> t.command("x")).build();
        assertThat(new Engine(dag).options()).isEqualTo(EngineOptions.DEFAULTS);
    }

    @Test
    void buildsByName() {
        EngineOptions o = EngineOptions.builder().maxDispatchesPerDecision(25).orderedWrites(true).build();
        assertThat(o.maxDispatchesPerDecision()).isEqualTo(25);
        assertThat(o.orderedWrites()).isTrue();
        assertThat(o.toBuilder().build()).isEqualTo(o).hasSameHashCodeAs(o);
        assertThat(o.toBuilder().orderedWrites(false).build()).isNotEqualTo(o);
        assertThat(o).hasToString("EngineOptions[maxDispatchesPerDecision=25, orderedWrites=true]");
    }

    @Test
    void refusesABoundBelowOne() {
        assertThatThrownBy(() -> EngineOptions.builder().maxDispatchesPerDecision(0).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxDispatchesPerDecision must be >= 1, got 0");
        assertThatThrownBy(() -> EngineOptions.builder().maxDispatchesPerDecision(-5).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(EngineOptions.builder().maxDispatchesPerDecision(1).build().maxDispatchesPerDecision())
                .isEqualTo(1);
    }

    @Test
    void anEngineNeedsOptions() {
        Dag dag = DagBuilder.dag("d").task("a", t -> t.command("x")).build();
        assertThatThrownBy(() -> new Engine(dag, null)).isInstanceOf(NullPointerException.class);
    }
}
