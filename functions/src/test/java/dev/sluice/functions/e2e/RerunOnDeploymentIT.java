package dev.sluice.functions.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.engine.DagRun;
import dev.sluice.engine.TaskInstance;
import dev.sluice.infra.testing.AwsEndpointExtension;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fix, then re-run, on a deployment (moto; the coordinator and task functions hosted as {@code sluice dev} hosts
 * them): a clear keeps the run's DAG version unless it says {@code latestVersion}, which moves the run to the
 * version deployed now and records the one it left; {@code mark} messages set tasks and runs by hand.
 * {@code sluice tasks clear|mark --stack} and {@code sluice runs mark --stack} send exactly these messages.
 */
class RerunOnDeploymentIT {
    @RegisterExtension
    static final AwsEndpointExtension AWS = new AwsEndpointExtension();

    static DevStack stack;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() {
        stack = new DevStack(AWS, DevStack.options());
        stack.host.start();
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    private static String dag(Path log, String bCommand) {
        return """
                dag_id: fixer
                tasks:
                  - {task_id: a, command: "echo a"}
                  - {task_id: b, upstream: [a], command: "%s"}
                  - {task_id: c, upstream: [b], command: "echo c"}
                """.formatted(bCommand.replace("LOG", log.toString()));
    }

    /** Polls the run until {@code done} holds for it and it is finished. */
    private static DagRun await(String runId, Predicate<DagRun> done) throws InterruptedException {
        Instant until = Instant.now().plusSeconds(60);
        while (Instant.now().isBefore(until)) {
            DagRun r = stack.store().run(runId).orElse(null);
            if (r != null && r.state().isTerminal() && done.test(r)) {
                return r;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("run " + runId + " did not get there: " + stack.store().run(runId) + " "
                + stack.store().instances(runId));
    }

    private static void send(String json) {
        stack.sendMessage(json);
    }

    @Test
    void aClearKeepsTheVersionUnlessLatestVersionMovesTheRunToTheDeployedFix() throws Exception {
        Path log = tmp.resolve("b.log");
        stack.putDag("fixer.yaml", dag(log, "echo broken >> LOG; exit 1"));
        String runId = "fixer.manual__rerun";
        send("{\"type\":\"trigger\",\"dagId\":\"fixer\",\"runId\":\"" + runId + "\"}");
        DagRun first = await(runId, r -> true);
        assertThat(first.state()).isEqualTo(RunState.FAILED);
        String v1 = first.dagVersion();

        stack.putDag("fixer.yaml", dag(log, "echo fixed >> LOG"));
        send("{\"type\":\"clear\",\"runId\":\"" + runId + "\",\"taskIds\":[\"b\",\"c\"],\"downstream\":false}");
        DagRun pinned = await(runId, r -> stack.instance(runId, "b").tryNumber() == 2
                && stack.instance(runId, "b").state().isTerminal());
        assertThat(pinned.state()).isEqualTo(RunState.FAILED);
        assertThat(pinned.dagVersion()).isEqualTo(v1);
        assertThat(pinned.earlierVersions()).isEmpty();
        assertThat(Files.readAllLines(log)).containsExactly("broken", "broken");

        send("{\"type\":\"clear\",\"runId\":\"" + runId + "\",\"taskIds\":[\"b\",\"c\"],\"downstream\":false,"
                + "\"latestVersion\":true}");
        DagRun moved = await(runId, r -> r.state() == RunState.SUCCESS);
        assertThat(Files.readAllLines(log)).containsExactly("broken", "broken", "fixed");
        assertThat(moved.dagVersion()).isNotEqualTo(v1);
        assertThat(moved.earlierVersions()).extracting(DagRun.VersionChange::version).containsExactly(v1);
        assertThat(moved.versionAt(stack.instance(runId, "a").queuedAt())).isEqualTo(v1);
        assertThat(moved.versionAt(stack.instance(runId, "b").queuedAt())).isEqualTo(moved.dagVersion());
        assertThat(moved.versionAt(stack.instance(runId, "c").queuedAt())).isEqualTo(moved.dagVersion());
        assertThat(stack.instance(runId, "c").state()).isEqualTo(TaskState.SUCCESS);
    }

    @Test
    void markMessagesSetTasksAndRunsByHand() throws Exception {
        Path log = tmp.resolve("m.log");
        stack.putDag("marker.yaml", dag(log, "exit 1").replace("dag_id: fixer", "dag_id: marker"));
        String runId = "marker.manual__mark";
        send("{\"type\":\"trigger\",\"dagId\":\"marker\",\"runId\":\"" + runId + "\"}");
        assertThat(await(runId, r -> true).state()).isEqualTo(RunState.FAILED);

        send("{\"type\":\"mark\",\"runId\":\"" + runId + "\",\"taskIds\":[],\"state\":\"success\"}");
        DagRun success = await(runId, r -> r.state() == RunState.SUCCESS);
        assertThat(success.failedLeaves()).isZero();
        List<TaskInstance> all = stack.store().instances(runId);
        assertThat(all).extracting(TaskInstance::state).containsOnly(TaskState.SUCCESS);

        send("{\"type\":\"mark\",\"runId\":\"" + runId + "\",\"taskIds\":[\"c\"],\"state\":\"failed\"}");
        DagRun failed = await(runId, r -> r.state() == RunState.FAILED);
        assertThat(failed.failedLeaves()).isEqualTo(1);
        assertThat(stack.instance(runId, "c").state()).isEqualTo(TaskState.FAILED);
        assertThat(stack.instance(runId, "b").state()).isEqualTo(TaskState.SUCCESS);
        assertThat(Files.exists(log)).as("marking runs nothing").isFalse();
    }
}
