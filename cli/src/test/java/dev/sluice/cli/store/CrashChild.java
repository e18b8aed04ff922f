package dev.sluice.cli.store;

import dev.sluice.engine.DagRun;
import dev.sluice.engine.Decision;
import dev.sluice.engine.RunType;
import dev.sluice.engine.TaskInstance;
import dev.sluice.model.Dag;
import dev.sluice.model.DagBuilder;
import dev.sluice.state.RunState;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Run in a child JVM by {@link SqliteStateStoreTest}: applies decisions in a loop, forever, and prints
 * "committed RUN VERSION" after each apply returns. The parent kills it with SIGKILL at some point.
 *
 * <p>Each run is created with {@value #TASKS} instances (one big transaction), then updated many times: every
 * update bumps the run's version and rewrites every instance with the same version number, so a half-applied
 * decision would show as a run whose instances disagree with it.
 */
public final class CrashChild {
    static final int TASKS = 50;
    static final int UPDATES_PER_RUN = 20;

    private CrashChild() {
    }

    public static void main(String[] args) {
        Path db = Path.of(args[0]);
        Dag dag = DagBuilder.dag("crash").pool("p", 1_000_000).task("t", t -> t.command("x")).build();
        Instant t0 = Instant.parse("2024-01-01T00:00:00Z");
        try (SqliteStateStore store = SqliteStateStore.open(db)) {
            for (int r = 0; ; r++) {
                String runId = "manual__" + r;
                store.view(dag, runId);
                for (long v = 1; v <= UPDATES_PER_RUN; v++) {
                    DagRun run = new DagRun("crash", runId, RunType.MANUAL, t0.plusSeconds(r), null, null,
                            RunState.RUNNING, null, "v1", t0, t0, null, (int) v, 0, 0, 0, v);
                    List<TaskInstance> tis = new ArrayList<>();
                    for (int i = 0; i < TASKS; i++) {
                        tis.add(TaskInstance.builder(runId, "t" + i).tryNumber((int) v)
                                .outputJson("\"" + "x".repeat(200) + v + "\"").version(v).build());
                    }
                    store.apply(new Decision(run, tis, List.of(), List.of(), List.of(), Map.of("p", 1)));
                    System.out.println("committed " + runId + " " + v);
                    System.out.flush();
                }
            }
        }
    }
}
