package dev.sluice.cli.render;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.Dag;
import dev.sluice.model.DagBuilder;
import org.junit.jupiter.api.Test;

class RenderersTest {

    @Test
    void textTreeShowsJoinsOnceAndThenAsReferences() {
        assertThat(new TextTreeRenderer().render(SampleDags.demo())).isEqualTo("""
                demo  (schedule @daily, 8 tasks)
                check_sources  [command]
                ├── extract.salesforce  [command, retries 3, pool api]
                │   └── load  [handler com.acme.Load]
                │       └── branch_day  [command, branch]
                │           ├── weekday  [command]
                │           │   └── converge  [empty, trigger none_failed_min_one_success]
                │           └── weekend  [command]
                │               └── -> converge (see above)
                └── extract.postgres  [command]
                    └── -> load (see above)
                """);
    }

    @Test
    void textTreeWithSeveralRootsAndMapping() {
        assertThat(new TextTreeRenderer().render(SampleDags.nested())).isEqualTo("""
                nested  (manual only, 3 tasks)
                outer.end  [command]
                └── outer.inner.fan  [command, mapped over 3 items]
                    └── outer_end  [empty]
                """);
        Dag two = DagBuilder.dag("two").task("a", t -> t.empty()).task("b", t -> t.empty()).build();
        assertThat(new TextTreeRenderer().render(two)).isEqualTo("""
                two  (manual only, 2 tasks)
                a  [empty]
                b  [empty]
                """);
    }

    @Test
    void textTreeOfAVeryLongChainStaysBounded() {
        DagBuilder b = DagBuilder.dag("chain").task("t0", t -> t.empty());
        for (int i = 1; i < 5000; i++) {
            String up = "t" + (i - 1);
            b.task("t" + i, t -> t.empty().upstream(up));
        }
        String text = new TextTreeRenderer().render(b.build());
        assertThat(text).contains("deeper levels omitted; use --format mermaid or dot");
        assertThat(text.lines().count()).isEqualTo(TextTreeRenderer.MAX_DEPTH + 3);
    }

    @Test
    void mermaidHasSubgraphsShapesAndEdges() {
        assertThat(new MermaidRenderer().render(SampleDags.demo())).isEqualTo("""
                flowchart LR
                    subgraph grp_extract["extract"]
                        extract_salesforce["salesforce"]
                        extract_postgres["postgres"]
                    end
                    check_sources["check_sources"]
                    load["load"]
                    branch_day{"branch_day"}
                    weekday["weekday"]
                    weekend["weekend"]
                    converge("converge<br/><i>none_failed_min_one_success</i>")
                    check_sources --> extract_salesforce
                    check_sources --> extract_postgres
                    extract_salesforce --> load
                    extract_postgres --> load
                    load --> branch_day
                    branch_day --> weekday
                    branch_day --> weekend
                    weekday --> converge
                    weekend --> converge
                """);
    }

    @Test
    void mermaidNestsGroupsAndAvoidsReservedAndCollidingIds() {
        assertThat(new MermaidRenderer().render(SampleDags.nested())).isEqualTo("""
                flowchart LR
                    subgraph grp_outer["outer"]
                        subgraph grp_outer_inner["inner"]
                            outer_inner_fan[["fan"]]
                        end
                        outer_end["end"]
                    end
                    outer_end_2("outer_end")
                    outer_end --> outer_inner_fan
                    outer_inner_fan --> outer_end_2
                """);
    }

    @Test
    void dotHasClustersAndQuotedIds() {
        assertThat(new DotRenderer().render(SampleDags.nested())).isEqualTo("""
                digraph "nested" {
                    rankdir=LR;
                    node [shape=box, style=rounded, fontname="Helvetica"];
                    subgraph "cluster_outer" {
                        label="outer";
                        style=dashed;
                        subgraph "cluster_outer.inner" {
                            label="inner";
                            style=dashed;
                            "outer.inner.fan" [label="fan", peripheries=2];
                        }
                        "outer.end" [label="end"];
                    }
                    "outer_end" [label="outer_end", style="rounded,dashed"];
                    "outer.end" -> "outer.inner.fan";
                    "outer.inner.fan" -> "outer_end";
                }
                """);
        String demo = new DotRenderer().render(SampleDags.demo());
        assertThat(demo).contains("\"branch_day\" [label=\"branch_day\", shape=diamond, style=\"\"];")
                .contains("\"converge\" [label=\"converge\\n(none_failed_min_one_success)\", style=\"rounded,dashed\"];")
                .contains("\"extract.postgres\" -> \"load\";");
    }

    @Test
    void formatsMapToRenderers() {
        assertThat(DagRenderer.Format.valueOf("MERMAID").renderer()).isInstanceOf(MermaidRenderer.class);
    }
}
