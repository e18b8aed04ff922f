package dev.sluice.functions.e2e;

import dev.sluice.engine.DagRun;
import dev.sluice.engine.TaskInstance;
import dev.sluice.functions.Coordinator;
import dev.sluice.functions.Env;
import dev.sluice.functions.devhost.DevHost;
import dev.sluice.functions.devhost.DevResources;
import dev.sluice.functions.support.SerializedWrites;
import dev.sluice.infra.AwsClients;
import dev.sluice.infra.testing.AwsEndpointExtension;
import dev.sluice.store.StateStore;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.sync.RequestBody;

/** A table, bucket and queue on the test endpoint, with a {@link DevHost} serving them. */
final class DevStack implements AutoCloseable {
    final AwsClients clients;
    final String table;
    final String bucket;
    final String queueUrl;
    /** The coordinator queue's dead-letter queue, or null without one. */
    final String deadLetterQueueUrl;
    final Env.Config config;
    final DevHost host;

    DevStack(AwsEndpointExtension aws, DevHost.Options options) {
        this(aws, options, Map.of());
    }

    /** @param extraEnv more function environment (e.g. SLUICE_ALERT_TOPIC_ARN) */
    DevStack(AwsEndpointExtension aws, DevHost.Options options, Map<String, String> extraEnv) {
        this(aws, options, extraEnv, java.time.Clock.systemUTC());
    }

    /** @param clock the functions' "now"; a {@code ShiftedClock} lets a test reach a deadline without waiting */
    DevStack(AwsEndpointExtension aws, DevHost.Options options, Map<String, String> extraEnv, java.time.Clock clock) {
        this(aws, options, extraEnv, clock, false);
    }

    /**
     * @param deadLetterQueue give the coordinator queue its dead-letter queue before the host starts, as
     *                        template.yaml does (the host then hands it to the coordinator, whose tick redrives it)
     */
    DevStack(AwsEndpointExtension aws, DevHost.Options options, Map<String, String> extraEnv, java.time.Clock clock,
             boolean deadLetterQueue) {
        clients = aws.clients();
        table = aws.tableName();
        bucket = AwsEndpointExtension.uniqueName("sluice-e2e");
        queueUrl = DevResources.ensure(clients, table, bucket, AwsEndpointExtension.uniqueName("coordinator"), 30);
        deadLetterQueueUrl = deadLetterQueue ? DevResources.ensureDeadLetterQueue(clients, queueUrl) : null;
        Map<String, String> env = new HashMap<>();
        env.put(Env.TABLE, table);
        env.put(Env.BUCKET, bucket);
        env.put(Env.QUEUE_URL, queueUrl);
        env.putAll(extraEnv);
        config = Env.from(env::get);
        host = new DevHost(config, clients, options, clock);
    }

    static DevHost.Options options() {
        return DevHost.Options.defaults().withTickInterval(Duration.ZERO).withPollers(2).withWaitSeconds(0)
                .withSettings(Coordinator.Settings.defaults()).withStore(SerializedWrites.onMoto());
    }

    StateStore store() {
        return host.functions().store();
    }

    void putDag(String name, String text) {
        clients.s3().putObject(b -> b.bucket(bucket).key(config.dagsPrefix() + name), RequestBody.fromString(text));
        host.functions().dags().invalidate();
    }

    void sendMessage(String body) {
        clients.sqs().sendMessage(b -> b.queueUrl(queueUrl).messageBody(body));
    }

    /** Waits until the run exists and is finished (success or failed). */
    DagRun awaitFinished(String runId, Duration timeout) throws InterruptedException {
        Instant until = Instant.now().plus(timeout);
        while (Instant.now().isBefore(until)) {
            Optional<DagRun> r = store().run(runId);
            if (r.isPresent() && r.get().state().isTerminal()) {
                return r.get();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("run " + runId + " did not finish within " + timeout + "; it is "
                + store().run(runId).map(r -> r.state().airflowName()).orElse("missing") + ", tasks "
                + store().instances(runId).stream().map(t -> t.taskId() + "=" + t.state().airflowName() + "#"
                + t.tryNumber()).toList());
    }

    /** Waits until the unmapped task {@code taskId} of {@code runId} is in {@code state} (polled in the store). */
    TaskInstance awaitState(String runId, String taskId, dev.sluice.state.TaskState state, Duration timeout)
            throws InterruptedException {
        Instant until = Instant.now().plus(timeout);
        while (Instant.now().isBefore(until)) {
            Optional<TaskInstance> t = store().instances(runId).stream()
                    .filter(i -> i.taskId().equals(taskId) && i.mapIndex() < 0 && i.state() == state).findFirst();
            if (t.isPresent()) {
                return t.get();
            }
            Thread.sleep(50);
        }
        throw new AssertionError(taskId + " of " + runId + " did not reach " + state.airflowName() + " within "
                + timeout);
    }

    TaskInstance instance(String runId, String taskId) {
        List<TaskInstance> all = store().instances(runId);
        return all.stream().filter(t -> t.taskId().equals(taskId) && t.mapIndex() < 0).findFirst()
                .orElseThrow(() -> new AssertionError("no instance " + taskId + " in " + runId));
    }

    @Override
    public void close() {
        host.close();
    }
}
