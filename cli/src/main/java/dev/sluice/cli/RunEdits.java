package dev.sluice.cli;

import dev.sluice.cli.local.Workspace;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.TaskInstance;
import dev.sluice.kernel.DecisionLoop;
import dev.sluice.model.Dag;
import dev.sluice.spec.DagLoader;
import dev.sluice.spec.DagVersionRecord;
import dev.sluice.spec.SpecFiles;
import dev.sluice.store.StateStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/** What the commands that change a run by hand (clear, mark) share: the decision loop and how tasks are named. */
final class RunEdits {
    private RunEdits() {
    }

    static DecisionLoop loop(StateStore store) {
        return DecisionLoop.builder(store).clock(Clock.systemUTC()::instant).random(new SecureRandom())
                .sleeper(d -> Thread.sleep(d.toMillis())).build();
    }

    /** The run's pinned DAG: from the local database, or from a deployment's table (its record alone). */
    static Dag pinnedDag(StateStore store, DagRun run, boolean remote) {
        if (!remote) {
            return Workspace.pinnedDag(store, run.dagId(), run.dagVersion());
        }
        String stored = store.dagVersion(run.dagId(), run.dagVersion()).orElseThrow(() -> CliException.invalid(
                "the DAG version " + run.dagVersion() + " of " + run.dagId() + " is not in the deployment's table"));
        DagLoader.LoadResult r = DagVersionRecord.parse(stored).load(SpecFiles.none());
        if (r.dag() == null) {
            throw CliException.invalid("the stored version of " + run.dagId() + " no longer loads");
        }
        return r.dag();
    }

    /** The chosen tasks as instances: {@code a, b, m[0..3]} (a mapped task with its expanded instances). */
    static String labels(List<String> taskIds, List<TaskInstance> instances) {
        List<String> out = new ArrayList<>();
        for (String id : taskIds) {
            int maxIndex = -1;
            for (TaskInstance t : instances) {
                if (t.taskId().equals(id)) {
                    maxIndex = Math.max(maxIndex, t.mapIndex());
                }
            }
            out.add(maxIndex < 0 ? id : id + "[0.." + maxIndex + "]");
        }
        return String.join(", ", out);
    }

    /** A version hash shortened for people (the first 12 characters). */
    static String shortVersion(String v) {
        return v == null ? "-" : v.length() <= 12 ? v : v.substring(0, 12);
    }
}
