package dev.sluice.functions.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.engine.DagRun;
import dev.sluice.functions.Coordinator;
import dev.sluice.functions.Env;
import dev.sluice.functions.Functions;
import dev.sluice.functions.devhost.DevResources;
import dev.sluice.functions.support.SerializedWrites;
import dev.sluice.functions.message.CoordinatorMessage;
import dev.sluice.functions.message.TaskRef;
import dev.sluice.functions.message.TaskResult;
import dev.sluice.functions.obs.JsonLog;
import dev.sluice.functions.obs.Metrics;
import dev.sluice.functions.support.Recorders;
import dev.sluice.infra.AwsClients;
import dev.sluice.infra.testing.AwsEndpointExtension;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Two coordinator instances (each with its own store adapter and caches, as two Lambda containers) handle the same
 * completion events at the same time, each delivered several times and in shuffled order. No try may be dispatched
 * twice, and no transition may be lost: every task ends success, the run ends success with its counters at zero.
 */
class ConcurrentCoordinatorsIT {
    @RegisterExtension
    static final AwsEndpointExtension AWS = new AwsEndpointExtension();

    static final int WIDTH = 20;
    static final int DELIVERIES_PER_COORDINATOR = 2;

    @Test
    void duplicatesAndReorderingAcrossTwoCoordinatorsNeverDispatchATryTwiceNorLoseATransition() throws Exception {
        AwsClients clients = AWS.clients();
        String bucket = AwsEndpointExtension.uniqueName("sluice-conc");
        String queue = DevResources.ensure(clients, AWS.tableName(), bucket, AwsEndpointExtension.uniqueName("q"), 30);
        Map<String, String> env = new HashMap<>();
        env.put(Env.TABLE, AWS.tableName());
        env.put(Env.BUCKET, bucket);
        env.put(Env.QUEUE_URL, queue);
        env.put(Env.HANDLER_FUNCTION_PATTERN, "task-fn");
        Env.Config config = Env.from(env::get);
        clients.s3().putObject(b -> b.bucket(bucket).key("dags/wide.yaml"), RequestBody.fromString(wideDag()));

        Recorders.RecordingDispatcher dispatched = new Recorders.RecordingDispatcher();
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        List<Coordinator> coordinators = List.of(coordinator(config, clients, dispatched, quiet),
                coordinator(config, clients, dispatched, quiet));
        String runId = "wide.manual__concurrency";

        coordinators.get(0).handle(new CoordinatorMessage.Trigger("wide", null, runId, null), null);
        assertThat(dispatched.invocations).singleElement()
                .satisfies(i -> assertThat(i.invocation().task().taskId()).isEqualTo("root"));

        AtomicInteger redeliveries = new AtomicInteger();
        deliverConcurrently(coordinators, List.of(success(dispatched, "root")), redeliveries);
        assertThat(dispatched.invocations).hasSize(1 + WIDTH);

        List<CoordinatorMessage> middle = new ArrayList<>();
        for (int i = 0; i < WIDTH; i++) {
            middle.add(success(dispatched, "w" + i));
        }
        deliverConcurrently(coordinators, middle, redeliveries);
        deliverConcurrently(coordinators, List.of(success(dispatched, "join")), redeliveries);

        Map<String, Long> perTry = dispatched.invocations.stream().collect(Collectors.groupingBy(
                i -> i.invocation().task().toString(), Collectors.counting()));
        assertThat(perTry).hasSize(WIDTH + 2).allSatisfy((ref, n) -> assertThat(n).as(ref).isEqualTo(1L));
        var store = FUNCTIONS.get(0).store();
        DagRun run = store.run(runId).orElseThrow();
        assertThat(run.state()).isEqualTo(RunState.SUCCESS);
        assertThat(run.pending()).isZero();
        assertThat(run.activeTasks()).isZero();
        assertThat(store.instances(runId)).hasSize(WIDTH + 2)
                .allSatisfy(t -> assertThat(t.state()).as(t.taskId()).isEqualTo(TaskState.SUCCESS))
                .allSatisfy(t -> assertThat(t.tryNumber()).as(t.taskId()).isEqualTo(1));
        System.err.println("[concurrency] deliveries redelivered after exhausting conflict retries: "
                + redeliveries.get());
    }

    static final List<Functions> FUNCTIONS = Collections.synchronizedList(new ArrayList<>());

    private static Coordinator coordinator(Env.Config config, AwsClients clients,
                                           Recorders.RecordingDispatcher dispatcher, PrintStream out) {
        Functions f = new Functions(config, clients, Clock.systemUTC(), new JsonLog(out, Clock.systemUTC()),
                new Metrics(out, Clock.systemUTC()), SerializedWrites.onMoto());
        FUNCTIONS.add(f);
        return f.coordinator(dispatcher, Coordinator.Settings.defaults());
    }

    private static CoordinatorMessage success(Recorders.RecordingDispatcher d, String taskId) {
        TaskRef ref = d.invocations.stream().map(i -> i.invocation().task())
                .filter(t -> t.taskId().equals(taskId)).findFirst()
                .orElseThrow(() -> new AssertionError(taskId + " was never dispatched"));
        return new CoordinatorMessage.Completion(ref, new TaskResult.Succeeded("{\"task\":\"" + taskId + "\"}"));
    }

    /**
     * Every message goes to both coordinators, several times each, all in a shuffled order on 8 threads. A delivery
     * that fails (it lost too many races) is delivered again, as SQS would.
     */
    private static void deliverConcurrently(List<Coordinator> coordinators, List<CoordinatorMessage> messages,
                                            AtomicInteger redeliveries) throws Exception {
        record Delivery(Coordinator to, CoordinatorMessage message) {
        }
        List<Delivery> all = new ArrayList<>();
        for (CoordinatorMessage m : messages) {
            for (Coordinator c : coordinators) {
                for (int i = 0; i < DELIVERIES_PER_COORDINATOR; i++) {
                    all.add(new Delivery(c, m));
                }
            }
        }
        Collections.shuffle(all, new Random(42));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Delivery d : all) {
                futures.add(pool.submit(() -> {
                    for (int attempt = 1; ; attempt++) {
                        try {
                            d.to().handle(d.message(), null);
                            return null;
                        } catch (RuntimeException e) {
                            if (attempt >= 5) {
                                throw e;
                            }
                            redeliveries.incrementAndGet();
                        }
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static String wideDag() {
        StringBuilder sb = new StringBuilder("""
                dag_id: wide
                max_active_tasks: 64
                tasks:
                  - {task_id: root, handler: example.Root}
                """);
        for (int i = 0; i < WIDTH; i++) {
            sb.append("  - {task_id: w").append(i).append(", upstream: [root], handler: example.Work}\n");
        }
        sb.append("  - {task_id: join, upstream: [")
                .append(IntStream.range(0, WIDTH).mapToObj(i -> "w" + i).collect(Collectors.joining(", ")))
                .append("], handler: example.Join}\n");
        return sb.toString();
    }

}
