package dev.sluice.functions.devhost;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.engine.Json;
import dev.sluice.functions.CommandRunnerHandler;
import dev.sluice.functions.Coordinator;
import dev.sluice.functions.CoordinatorHandler;
import dev.sluice.functions.Env;
import dev.sluice.functions.Functions;
import dev.sluice.functions.TaskFunctionHandler;
import dev.sluice.functions.dispatch.Dispatcher;
import dev.sluice.functions.dispatch.LambdaFunctionInvoker;
import dev.sluice.functions.obs.JsonLog;
import dev.sluice.functions.obs.Metrics;
import dev.sluice.functions.task.FunctionInvoker;
import dev.sluice.functions.task.TaskRuntime;
import dev.sluice.infra.AwsClients;
import dev.sluice.store.StateStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The functions of a deployment in one process, against any AWS endpoint: what {@code sluice dev} runs and what
 * the end-to-end tests drive.
 * <ul>
 *   <li>The coordinator queue is long-polled as the Lambda SQS event source does it: batches of up to 10, passed as
 *       the SQS event JSON to {@link CoordinatorHandler}; the partial batch response is honoured (failed items stay
 *       on the queue and come back after the visibility timeout; the others are deleted).</li>
 *   <li>The tick is {@code {"source":"sluice.tick"}}, every {@link Options#tickInterval()} or on {@link #tick()}.</li>
 *   <li>Task functions run in this process ({@link InProcessInvoker}) with the exact invocation JSON; every handler
 *       class maps to one in-process task function and commands to one command runner.</li>
 *   <li>{@code function:} tasks go through the command runner, which invokes the named function synchronously: one
 *       hosted in this process ({@link Options#withLambda}) or, for any other name, Lambda at the endpoint.</li>
 * </ul>
 */
public final class DevHost implements AutoCloseable {
    public static final String TASK_FUNCTION = "sluice-dev-task-function";
    public static final String COMMAND_RUNNER = "sluice-dev-command-runner";
    public static final String TICK_EVENT = "{\"source\":\"sluice.tick\"}";

    /**
     * @param dispatcherDecorator wraps the in-process dispatcher (tests count dispatches with it)
     */
    public record Options(Duration tickInterval, int pollers, int functionThreads, int waitSeconds,
                          Coordinator.Settings settings, UnaryOperator<Dispatcher> dispatcherDecorator,
                          UnaryOperator<StateStore> storeDecorator, Map<String, RequestStreamHandler> lambdas) {
        public Options {
            lambdas = Map.copyOf(lambdas == null ? Map.of() : lambdas);
        }

        public static Options defaults() {
            return new Options(Duration.ofMinutes(1), 1, 16, 5, Coordinator.Settings.defaults(),
                    UnaryOperator.identity(), UnaryOperator.identity(), Map.of());
        }

        /**
         * Hosts a Lambda function in this process for {@code function:} tasks that name it; other names are invoked
         * through the SDK against the endpoint.
         */
        public Options withLambda(String name, RequestStreamHandler handler) {
            Map<String, RequestStreamHandler> m = new java.util.HashMap<>(lambdas);
            m.put(name, handler);
            return new Options(tickInterval, pollers, functionThreads, waitSeconds, settings, dispatcherDecorator,
                    storeDecorator, m);
        }

        public Options withStore(UnaryOperator<StateStore> s) {
            return new Options(tickInterval, pollers, functionThreads, waitSeconds, settings, dispatcherDecorator, s,
                    lambdas);
        }

        public Options withTickInterval(Duration d) {
            return new Options(d, pollers, functionThreads, waitSeconds, settings, dispatcherDecorator, storeDecorator,
                    lambdas);
        }

        public Options withPollers(int n) {
            return new Options(tickInterval, n, functionThreads, waitSeconds, settings, dispatcherDecorator, storeDecorator,
                    lambdas);
        }

        public Options withWaitSeconds(int s) {
            return new Options(tickInterval, pollers, functionThreads, s, settings, dispatcherDecorator, storeDecorator,
                    lambdas);
        }

        public Options withSettings(Coordinator.Settings s) {
            return new Options(tickInterval, pollers, functionThreads, waitSeconds, s, dispatcherDecorator, storeDecorator,
                    lambdas);
        }

        public Options withDispatcher(UnaryOperator<Dispatcher> d) {
            return new Options(tickInterval, pollers, functionThreads, waitSeconds, settings, d, storeDecorator,
                    lambdas);
        }
    }

    private final Functions functions;
    private final SqsClient sqs;
    private final String queueUrl;
    private final String queueArn;
    private final String region;
    private final Options options;
    private final InProcessInvoker invoker;
    private final FunctionInvoker lambdaTasks;
    private volatile FunctionInvoker sdk;
    private final Coordinator coordinator;
    private final CoordinatorHandler handler;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final List<Thread> pollers = new ArrayList<>();
    private ScheduledExecutorService ticker;

    /**
     * @param config the deployment's settings; handler functions and the command runner are replaced by this
     *               process's in-process functions
     */
    public DevHost(Env.Config config, AwsClients clients, Options options) {
        this(config, clients, options, java.time.Clock.systemUTC());
    }

    /** @param clock what every hosted function reads as "now" (tests inject one to reach deadlines at once) */
    public DevHost(Env.Config config, AwsClients clients, Options options, java.time.Clock clock) {
        Env.Config devConfig = new Env.Config(config.table(), config.bucket(), config.queueUrl(), config.dagsPrefix(),
                config.payloadThresholdBytes(), config.alertTopicArn(), COMMAND_RUNNER,
                TASK_FUNCTION, config.stage(), null, config.stackName());
        this.functions = new Functions(devConfig, clients, clock,
                JsonLog.stdout(), Metrics.stdout(), options.storeDecorator());
        this.sqs = clients.sqs();
        this.queueUrl = devConfig.queueUrl();
        this.region = clients.region().id();
        this.queueArn = sqs.getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        this.options = options;
        this.lambdaTasks = new InProcessFunctions(options.lambdas(), () -> sdkInvoker(clients));
        TaskRuntime runtime = functions.taskRuntime();
        Map<String, RequestStreamHandler> fns = Map.of(
                TASK_FUNCTION, new TaskFunctionHandler(runtime, null),
                COMMAND_RUNNER, new CommandRunnerHandler(runtime, () -> lambdaTasks));
        this.invoker = new InProcessInvoker(fns, body -> sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody(body)),
                Duration.ofMinutes(15), options.functionThreads());
        this.coordinator = functions.coordinator(options.dispatcherDecorator().apply(invoker), options.settings());
        this.handler = new CoordinatorHandler(coordinator, functions.log(), functions.metrics());
    }

    private FunctionInvoker sdkInvoker(AwsClients clients) {
        FunctionInvoker s = sdk;
        if (s == null) {
            synchronized (this) {
                if (sdk == null) {
                    sdk = LambdaFunctionInvoker.create(clients);
                }
                s = sdk;
            }
        }
        return s;
    }

    public Functions functions() {
        return functions;
    }

    public Coordinator coordinator() {
        return coordinator;
    }

    public CoordinatorHandler handler() {
        return handler;
    }

    public String queueUrl() {
        return queueUrl;
    }

    /** Starts the pollers and the tick; returns at once. */
    public synchronized void start() {
        for (int i = 0; i < options.pollers(); i++) {
            Thread t = new Thread(this::pollLoop, "sluice-dev-poller-" + (i + 1));
            t.setDaemon(true);
            pollers.add(t);
            t.start();
        }
        if (options.tickInterval() != null && !options.tickInterval().isZero()) {
            ticker = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "sluice-dev-tick");
                t.setDaemon(true);
                return t;
            });
            long ms = options.tickInterval().toMillis();
            ticker.scheduleAtFixedRate(this::tickQuietly, 0, ms, TimeUnit.MILLISECONDS);
        }
    }

    /** Sends one tick to the coordinator, as EventBridge Scheduler does. */
    public void tick() {
        invoke(TICK_EVENT);
    }

    /** Delivers an event (an S3 Object Created event, a tick) to the coordinator handler; returns its response. */
    public String invoke(String eventJson) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            handler.handleRequest(new ByteArrayInputStream(eventJson.getBytes(StandardCharsets.UTF_8)), out,
                    new DevContext("sluice-dev-coordinator", 60_000));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /**
     * One receive of up to 10 messages, handled as one Lambda SQS batch; returns how many were received.
     * Handled messages are deleted; failed ones stay for redelivery.
     */
    public int pollOnce(int waitSeconds) {
        List<Message> messages = sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10)
                .waitTimeSeconds(waitSeconds).messageSystemAttributeNames(MessageSystemAttributeName.ALL)
                .messageAttributeNames("All")).messages();
        if (messages.isEmpty()) {
            return 0;
        }
        String response = invoke(sqsEvent(messages));
        Set<String> failed = new HashSet<>();
        JsonNode r = Json.read(response);
        for (JsonNode f : r.path("batchItemFailures")) {
            failed.add(f.path("itemIdentifier").asText());
        }
        List<DeleteMessageBatchRequestEntry> done = new ArrayList<>();
        for (Message m : messages) {
            if (!failed.contains(m.messageId())) {
                done.add(DeleteMessageBatchRequestEntry.builder().id(m.messageId())
                        .receiptHandle(m.receiptHandle()).build());
            }
        }
        if (!done.isEmpty()) {
            sqs.deleteMessageBatch(b -> b.queueUrl(queueUrl).entries(done));
        }
        return messages.size();
    }

    /** The SQS event JSON the Lambda event source would pass for these messages. */
    String sqsEvent(List<Message> messages) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ArrayNode records = root.putArray("Records");
        for (Message m : messages) {
            ObjectNode r = records.addObject();
            r.put("messageId", m.messageId());
            r.put("receiptHandle", m.receiptHandle());
            r.put("body", m.body());
            ObjectNode a = r.putObject("attributes");
            m.attributesAsStrings().forEach(a::put);
            r.putObject("messageAttributes");
            r.put("md5OfBody", m.md5OfBody());
            r.put("eventSource", "aws:sqs");
            r.put("eventSourceARN", queueArn);
            r.put("awsRegion", region);
        }
        return root.toString();
    }

    /** Task invocations still running in this process. */
    public int runningInvocations() {
        return invoker.running();
    }

    private void pollLoop() {
        while (!stopping.get()) {
            try {
                if (pollOnce(options.waitSeconds()) == 0 && options.waitSeconds() == 0) {
                    sleep(100); // short polling (tests on a serialized emulator): do not spin
                }
            } catch (RuntimeException e) {
                if (stopping.get()) {
                    return;
                }
                functions.log().error("dev_poll_failed", "error", String.valueOf(e.getMessage()));
                sleep(1000);
            }
        }
    }

    private void tickQuietly() {
        try {
            tick();
        } catch (RuntimeException e) {
            functions.log().error("dev_tick_failed", "error", String.valueOf(e.getMessage()));
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stopping.set(true);
        if (ticker != null) {
            ticker.shutdownNow();
        }
        for (Thread t : pollers) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(options.waitSeconds() + 5L));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        invoker.close();
    }
}
