package dev.sluice.functions;

import dev.sluice.functions.alert.Alerts;
import dev.sluice.functions.alert.SnsAlertSink;
import dev.sluice.functions.dags.DagRegistry;
import dev.sluice.functions.dags.S3DagSource;
import dev.sluice.functions.dispatch.CoordinatorQueue;
import dev.sluice.functions.dispatch.Dispatcher;
import dev.sluice.functions.dispatch.FunctionRouter;
import dev.sluice.functions.dispatch.LambdaInvoker;
import dev.sluice.functions.dispatch.SqsCoordinatorQueue;
import dev.sluice.functions.obs.JsonLog;
import dev.sluice.functions.obs.Metrics;
import dev.sluice.functions.task.TaskRuntime;
import dev.sluice.infra.AwsClients;
import dev.sluice.infra.PayloadStore;
import dev.sluice.infra.store.DynamoDbStateStore;
import dev.sluice.store.StateStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Builds the services the handlers use, once per process, from a {@link Env.Config} and SDK clients. Lambda
 * handlers use {@link #fromEnvironment()} (static, so a warm container reuses clients, table schema and DAG cache);
 * {@code sluice dev} and the tests build their own with a {@link Dispatcher} that runs tasks in-process.
 */
public final class Functions {
    /** How often the coordinator lists the DAG folder again. */
    public static final Duration DAG_REFRESH = Duration.ofSeconds(15);

    private final Env.Config config;
    private final AwsClients clients;
    private final DynamoDbStateStore dynamo;
    private final StateStore store;
    private final PayloadStore payloads;
    private final CoordinatorQueue queue;
    private final DagRegistry dags;
    private final JsonLog log;
    private final Metrics metrics;
    private final Clock clock;
    private final java.util.function.Supplier<String> traceHeader;

    private static final class Default {
        static final Functions INSTANCE = new Functions(Env.fromEnvironment(), AwsClients.shared(), Clock.systemUTC(),
                JsonLog.stdout(), Metrics.stdout());
    }

    public Functions(Env.Config config, AwsClients clients, Clock clock, JsonLog log, Metrics metrics) {
        this(config, clients, clock, log, metrics, UnaryOperator.identity());
    }

    /** @param storeDecorator wraps the DynamoDB store (tests serialize writes on emulators without isolation) */
    public Functions(Env.Config config, AwsClients clients, Clock clock, JsonLog log, Metrics metrics,
                     UnaryOperator<StateStore> storeDecorator) {
        this(config, clients, clock, log, metrics, storeDecorator, () -> null);
    }

    /**
     * @param traceHeader the trace header the coordinator queue's messages carry ({@code sluice dev}: the hosted
     *                    invocation's lineage); on Lambda null, the SDK sends the runtime's
     */
    public Functions(Env.Config config, AwsClients clients, Clock clock, JsonLog log, Metrics metrics,
                     UnaryOperator<StateStore> storeDecorator, java.util.function.Supplier<String> traceHeader) {
        config.require(Env.TABLE, Env.BUCKET, Env.QUEUE_URL);
        this.config = config;
        this.clients = clients;
        this.clock = clock;
        this.log = log;
        this.metrics = metrics;
        this.payloads = new PayloadStore(clients.s3(), config.bucket(), config.payloadThresholdBytes());
        this.dynamo = DynamoDbStateStore.create(clients.dynamoDb(), config.table(), payloads, clock,
                config.runRetention());
        this.store = storeDecorator.apply(dynamo);
        this.traceHeader = traceHeader;
        this.queue = new SqsCoordinatorQueue(clients.sqs(), config.queueUrl(), traceHeader);
        this.dags = new DagRegistry(store, new S3DagSource(clients.s3(), config.bucket(), config.dagsPrefix()), clock,
                DAG_REFRESH, log);
    }

    /** The process-wide instance from the environment, built on first use. */
    public static Functions fromEnvironment() {
        return Default.INSTANCE;
    }

    /** The tick's automatic redrive of the coordinator DLQ ({@link Env#DLQ_URL}), or null when none is set. */
    public dev.sluice.functions.dispatch.DeadLetterRedrive deadLetterRedrive() {
        if (config.deadLetterQueueUrl() == null) {
            return null;
        }
        return new dev.sluice.functions.dispatch.DeadLetterRedrive(clients.sqs(), config.deadLetterQueueUrl(),
                config.queueUrl(), traceHeader, dev.sluice.functions.dispatch.DeadLetterRedrive.DEFAULT_MAX_REDRIVES,
                log);
    }

    public Env.Config config() {
        return config;
    }

    public StateStore store() {
        return store;
    }

    /** The DynamoDB store itself (request-unit meter, event dedupe). */
    public DynamoDbStateStore dynamoDbStore() {
        return dynamo;
    }

    public DagRegistry dags() {
        return dags;
    }

    public CoordinatorQueue queue() {
        return queue;
    }

    public PayloadStore payloads() {
        return payloads;
    }

    public JsonLog log() {
        return log;
    }

    public Metrics metrics() {
        return metrics;
    }

    /** A coordinator that invokes task functions through Lambda. */
    public Coordinator coordinator() {
        return coordinator(new LambdaInvoker(clients.lambda()), Coordinator.Settings.defaults());
    }

    public Coordinator coordinator(Dispatcher dispatcher, Coordinator.Settings settings) {
        FunctionRouter router = new FunctionRouter(config.handlerFunctionPattern(), config.commandRunnerFunction());
        return new Coordinator(store, dags, dispatcher, router, queue, payloads, clock, new SecureRandom(), log,
                metrics, settings, dynamo::overdue, alerts(),
                new dev.sluice.functions.effect.TryLogs(clients.region().id(), config.stackName()));
    }

    /** Alerts to SLUICE_ALERT_TOPIC_ARN; the SNS client is built on the first alert, not at cold start. */
    private Alerts alerts() {
        String topic = config.alertTopicArn();
        return Alerts.of(topic == null ? null : () -> new SnsAlertSink(clients::sns, topic), config.stage(),
                config.stackName(), log);
    }

    /**
     * The command runner's effect runtime: SNS per alert severity (SLUICE_ALERT_TOPICS), the stack topic for SLA
     * misses (SLUICE_ALERT_TOPIC_ARN), webhooks at 10 s per attempt. The SNS client is built on the first alert.
     */
    public dev.sluice.functions.effect.EffectRuntime effectRuntime() {
        Map<String, String> topics = config.alertTopics();
        String stackTopic = config.alertTopicArn();
        return new dev.sluice.functions.effect.EffectRuntime(store,
                severity -> topics.containsKey(severity) ? new SnsAlertSink(clients::sns, topics.get(severity)) : null,
                stackTopic == null ? null : new SnsAlertSink(clients::sns, stackTopic),
                new dev.sluice.infra.alert.Webhook(Duration.ofSeconds(10), Duration.ofMillis(500)), clock, log);
    }

    public TaskRuntime taskRuntime() {
        return new TaskRuntime(store, dags, queue, payloads, clock, new SecureRandom(), log, metrics);
    }
}
