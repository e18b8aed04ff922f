package dev.sluice.template;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.functions.devhost.DevHost;
import dev.sluice.functions.devhost.Lineage;
import dev.sluice.functions.devhost.RecursiveLoop;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code sluice dev}'s stand-in for Lambda's recursive loop detection reads what template.yaml sets. */
class RecursiveLoopTemplateTest {
    static Path template() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("template.yaml"))) {
            p = p.getParent();
        }
        assertThat(p).as("the repository root (template.yaml)").isNotNull();
        return p.resolve("template.yaml");
    }

    @Test
    void theDefaultWithoutATemplateIsWhatTheTemplateSets() {
        assertThat(RecursiveLoop.fromTemplate(TemplateYaml.read(template()))).isEqualTo(RecursiveLoop.shipped());
    }

    @Test
    void aFunctionWithoutRecursiveLoopAllowIsStopped() {
        var t = TemplateYaml.read(template()).deepCopy();
        assertThat(RecursiveLoop.fromTemplate(t).allows(DevHost.COORDINATOR)).isTrue();
        ((com.fasterxml.jackson.databind.node.ObjectNode) t.path("Globals").path("Function")).remove("RecursiveLoop");
        ((com.fasterxml.jackson.databind.node.ObjectNode) t.path("Resources").path("CoordinatorFunction")
                .path("Properties")).remove("RecursiveLoop");
        assertThat(RecursiveLoop.fromTemplate(t).allows(DevHost.COORDINATOR)).isFalse();
        assertThat(RecursiveLoop.fromTemplate(t).allows(DevHost.COMMAND_RUNNER)).isFalse();
    }

    @Test
    void aLineageCountsEachFunctionAndSurvivesItsHeader() {
        Lineage l = Lineage.start().plus(DevHost.COORDINATOR).plus(DevHost.COMMAND_RUNNER).plus(DevHost.COORDINATOR);
        Lineage read = Lineage.parse(l.header());
        assertThat(read).isEqualTo(l);
        assertThat(read.count(DevHost.COORDINATOR)).isEqualTo(2);
        assertThat(read.count(DevHost.COMMAND_RUNNER)).isEqualTo(1);
        assertThat(read.count(DevHost.TASK_FUNCTION)).isZero();
        assertThat(l.header()).matches("Root=1-[0-9a-f]+-[0-9a-f]{24};Lineage=[0-9a-f]{8}:\\d\\|[0-9a-f]{8}:\\d");
        assertThat(Lineage.parse("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1").counts()).isEmpty();
        assertThat(Lineage.parse(null).counts()).isEmpty();
    }
}
