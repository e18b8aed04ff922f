package dev.sluice.template;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TemplateContextTest {

    static TemplateContext.Builder minimal() {
        return TemplateContext.builder().dagId("d").runId("manual__2024-01-01T00:00:00Z")
                .logicalDate(Instant.parse("2024-07-01T22:30:00Z"));
    }

    @Test
    void defaults() {
        TemplateContext c = minimal().build();
        assertThat(c.tryNumber()).isEqualTo(1);
        assertThat(c.mapIndex()).isEqualTo(-1);
        assertThat(c.isMapped()).isFalse();
        assertThat(c.zone()).isEqualTo(java.time.ZoneOffset.UTC);
        assertThat(c.dataIntervalStart()).isEqualTo(c.logicalDate());
        assertThat(c.dataIntervalEnd()).isEqualTo(c.logicalDate());
        assertThat(c.variables()).doesNotContainKeys("item", "task_id");
        assertThat(c.ds()).isEqualTo("2024-07-01");
        assertThat(c.ts()).isEqualTo("2024-07-01T22:30:00+00:00");
    }

    @Test
    void dsAndTsUseTheDagZone() {
        TemplateContext c = minimal().zone(ZoneId.of("Europe/Berlin")).build();
        assertThat(c.ds()).isEqualTo("2024-07-02");
        assertThat(c.ts()).isEqualTo("2024-07-02T00:30:00+02:00");
        assertThat(c.variables().get("ds_nodash")).isEqualTo("20240702");
    }

    @Test
    void isImmutable() {
        Map<String, Object> params = new HashMap<>(Map.of("a", 1));
        TemplateContext c = minimal().params(params).build();
        params.put("b", 2);
        assertThat(c.params()).containsOnlyKeys("a");
        assertThatThrownBy(() -> c.params().put("c", 3)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void validatesInputs() {
        assertThatThrownBy(() -> minimal().tryNumber(0).build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> minimal().mapIndex(-2).build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TemplateContext.builder().dagId("d").runId("r").build())
                .isInstanceOf(NullPointerException.class).hasMessageContaining("logicalDate");
    }

    @Test
    void groupOutputsAreNestedWithoutTouchingFlatKeys() {
        Map<String, Object> outputs = Map.of("g.a", 1, "g.b", 2, "g.sub.c", 3, "plain", Map.of("k", "v"));
        @SuppressWarnings("unchecked")
        Map<String, Object> nested = (Map<String, Object>) minimal().outputs(outputs).build().variables().get("outputs");
        assertThat(nested).containsEntry("g.a", 1).containsEntry("g.sub.c", 3);
        assertThat((Map<String, Object>) nested.get("g")).containsEntry("a", 1).containsEntry("b", 2);
        assertThat(nested.get("plain")).isEqualTo(Map.of("k", "v"));
    }
}
