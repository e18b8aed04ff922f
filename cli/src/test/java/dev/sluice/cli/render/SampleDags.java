package dev.sluice.cli.render;

import dev.sluice.model.Dag;
import dev.sluice.model.DagBuilder;
import dev.sluice.model.Location;
import dev.sluice.model.TriggerRule;
import java.util.List;

/** DAGs built in Java for the renderer tests (the YAML loader is tested with files in its own module). */
final class SampleDags {
    private SampleDags() {
    }

    /** A group, a join with two upstreams, a branch and a convergence with a non-default trigger rule. */
    static Dag demo() {
        return DagBuilder.dag("demo").schedule("@daily").pool("api", 2)
                .task("check_sources", t -> t.command("test -d /tmp"))
                .group("extract", List.of("check_sources"), g -> g
                        .task("salesforce", t -> t.command("extract sf").retries(3).pool("api"))
                        .task("postgres", t -> t.command("extract pg")), Location.UNKNOWN)
                .task("load", t -> t.handler("com.acme.Load").upstream("extract"))
                .task("branch_day", t -> t.command("pick").branch(true).upstream("load"))
                .task("weekday", t -> t.command("wd").upstream("branch_day"))
                .task("weekend", t -> t.command("we").upstream("branch_day"))
                .task("converge", t -> t.empty().upstream("weekday", "weekend")
                        .triggerRule(TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS))
                .build();
    }

    /** Nested groups, a mapped task, ids that need escaping in Mermaid. */
    static Dag nested() {
        return DagBuilder.dag("nested")
                .group("outer", List.of(), g -> g
                        .task("end", t -> t.command("a"))
                        .group("inner", List.of(), i -> i
                                .task("fan", t -> t.command("b").expand(List.of(1, 2, 3)).upstream("end")),
                                Location.UNKNOWN), Location.UNKNOWN)
                .task("outer_end", t -> t.empty().upstream("outer"))
                .build();
    }
}
