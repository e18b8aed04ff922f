package dev.sluice.functions.devhost;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.engine.Json;
import dev.sluice.functions.CommandRunnerHandler;
import dev.sluice.functions.Coordinator;
import dev.sluice.functions.CoordinatorHandler;
import dev.sluice.functions.dispatch.FunctionRouter;
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
import java.util.function.Function;
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
    /** The hosted coordinator's function name (its Lambda context, its lineage). */
    public static final String COORDINATOR = "sluice-dev-coordinator";

    /**
     * @param dispatcherDecorator wraps the in-process dispatcher (tests count dispatches with it)
     * @param handlerFunctions    handler class -> the name of the hosted task function that runs it; empty: one task
     *                            function ({@link #TASK_FUNCTION}) runs every class
     * @param functionClients     the AWS clients each hosted function uses, by function name ({@link #COORDINATOR},
     *                            {@link #COMMAND_RUNNER}, a task function); null: the host's clients for all. Tests
     *                            give each function the credentials of its own IAM identity.
     */
    public record Options(Duration tickInterval, int pollers, int functionThreads, int waitSeconds,
                          Coordinator.Settings settings, UnaryOperator<Dispatcher> dispatcherDecorator,
                          UnaryOperator<StateStore> storeDecorator, Map<String, RequestStreamHandler> lambdas,
                          RecursiveLoop recursiveLoop, Map<String, String> handlerFunctions,
                          Function<String, AwsClients> functionClients) {
        public Options {
            lambdas = Map.copyOf(lambdas == null ? Map.of() : lambdas);
            recursiveLoop = recursiveLoop == null ? RecursiveLoop.shipped() : recursiveLoop;
            handlerFunctions = Map.copyOf(handlerFunctions == null ? Map.of() : handlerFunctions);
        }

        /** Which hosted functions may run past 16 invocations in one chain (template.yaml's RecursiveLoop). */
        public Options withRecursiveLoop(RecursiveLoop r) {
            return new Options(tickInterval, pollers, functionThreads, waitSeconds, settings, dispatcherDecorator,
                    storeDecorator, lambdas, r, handlerFunctions, functionClients);
        }

        public static Options defaults() {
            return new Options(Duration.ofMinutes(1), 1, 16, 5, Coordinator.Settings.defaults(),
                    UnaryOperator.identity(), UnaryOperator.identity(), Map.of(), RecursiveLoop.shipped(), Map.of(),
                    null);
        }

        /** One hosted task function per name in {@code classToFunction}, each running the classes mapped to it. */
        public Options withHandlerFunctions(Map<String, String> classToFunction) {
            return new Options(tickInterval, pollers, functionThreads, waitSeconds, settings, dispatcherDecorator,
                    storeDecorator, lambdas, recursiveLoop, classToFunction, functionClients);
        }

        /** Each hosted function's AWS clients, by function name (see {@link Options}). */
        public Options withFunctionClients(Function<String, AwsClients> clients) {
            return new Options(tickInterval, pollers, functionThreads, waitSeconds, settings, dispatcherDecorator,
                    storeDecorator, lambdas, recursiveLoop, handlerFunctions, clients);
        }

        /**
         * Hosts a Lambda function in this process for {@code function:} tasks that name it; other names are invoked
         * through the SDK against the endpoint.
         */
        public Options withLambda(String name, RequestStreamHandler handler) {
            Map<String, RequestStreamHandler> m = new java.util.HashMap<>(lambdas);
            m.put(name, handler);
            return new Options(tickInterval, pollers, functionThreads, waitSeconds, settings, dispatcherDecorator,
                    storeDecorator, m, recursiveLoop, handlerFunctions, functionClients);
        }

        public Options withStore(UnaryOperator<StateStore> s) {
            return new Options(tickInterval, pollers, functionThreads, waitSeconds, settings, dispatcherDecorator, s,
                    lambdas, recursiveLoop, handlerFunctions, functionClients);
        }

        public Options withTickInterval(Duration d) {
            return new Options(d, pollers, functionThreads, waitSeconds, settings, dispatcherDecorator, storeDecorator,
                    lambdas, recursiveLoop, handlerFunctions, functionClients);
        }

        public Options withPollers(int n) {
            return new Options(tickInterval, n, functionThreads, waitSeconds, settings, dispatcherDecorator, storeDecorator,
                    lambdas, recursiveLoop, handlerFunctions, functionClients);
        }

        public Options withWaitSeconds(int s) {
            return new Options(tickInterval, pollers, functionThreads, s, settings, dispatcherDecorator, storeDecorator,
                    lambdas, recursiveLoop, handlerFunctions, functionClients);
        }

        public Options withSettings(Coordinator.Settings s) {
            return new Options(tickInterval, pollers, functionThreads, waitSeconds, s, dispatcherDecorator, storeDecorator,
                    lambdas, recursiveLoop, handlerFunctions, functionClients);
        }

        public Options withDispatcher(UnaryOperator<Dispatcher> d) {
            return new Options(tickInterval, pollers, functionThreads, waitSeconds, settings, d, storeDecorator,
                    lambdas, recursiveLoop, handlerFunctions, functionClients);
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
    private final java.util.concurrent.atomic.AtomicInteger recursionStops = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger maxInvocations = new java.util.concurrent.atomic.AtomicInteger();
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
        Map<String, String> routes = options.handlerFunctions().isEmpty()
                ? Map.of("*", TASK_FUNCTION) : options.handlerFunctions();
        String pattern = options.handlerFunctions().isEmpty() ? TASK_FUNCTION : patternOf(routes);
        Env.Config devConfig = new Env.Config(config.table(), config.bucket(), config.queueUrl(), config.dagsPrefix(),
                config.payloadThresholdBytes(), config.alertTopicArn(), COMMAND_RUNNER,
                pattern, config.stage(), null, config.stackName(), config.timeMargin(), config.runRetention(),
                config.deadLetterQueueUrl() != null ? config.deadLetterQueueUrl()
                        : deadLetterQueueOf(clients, config.queueUrl()), config.alertTopics());
        Function<String, AwsClients> clientsOf = options.functionClients() == null ? name -> clients
                : options.functionClients();
        AwsClients coordinatorClients = clientsOf.apply(COORDINATOR);
        this.functions = new Functions(devConfig, coordinatorClients, clock,
                JsonLog.stdout(), Metrics.stdout(), options.storeDecorator(), Lineage::currentHeader);
        // The Lambda SQS event source polls with the coordinator's execution role.
        this.sqs = coordinatorClients.sqs();
        this.queueUrl = devConfig.queueUrl();
        this.region = coordinatorClients.region().id();
        this.queueArn = sqs.getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        this.options = options;
        // One set of services per identity: with a single identity (sluice dev) every function shares the
        // coordinator's, as before.
        Map<AwsClients, Functions> byClients = new java.util.IdentityHashMap<>();
        byClients.put(coordinatorClients, functions);
        Function<String, Functions> functionsOf = name -> byClients.computeIfAbsent(clientsOf.apply(name),
                c -> new Functions(devConfig, c, clock, functions.log(), functions.metrics(),
                        options.storeDecorator(), Lineage::currentHeader));
        AwsClients runnerClients = clientsOf.apply(COMMAND_RUNNER);
        this.lambdaTasks = new InProcessFunctions(options.lambdas(), () -> sdkInvoker(runnerClients));
        Map<String, RequestStreamHandler> fns = new java.util.HashMap<>();
        for (String taskFunction : new java.util.TreeSet<>(routes.values())) {
            fns.put(taskFunction, new TaskFunctionHandler(functionsOf.apply(taskFunction).taskRuntime(), null));
        }
        Functions runnerFunctions = functionsOf.apply(COMMAND_RUNNER);
        dev.sluice.functions.effect.EffectRuntime effects = runnerFunctions.effectRuntime();
        fns.put(COMMAND_RUNNER, new CommandRunnerHandler(runnerFunctions.taskRuntime(), () -> effects,
                () -> lambdaTasks));
        // Lambda sends a failed asynchronous invocation's record to the OnFailure destination with the function's role.
        this.invoker = new InProcessInvoker(fns, (function, body) -> sendWithTrace(clientsOf.apply(function), body),
                Duration.ofMinutes(15), options.functionThreads(), (fn, chain) -> admit(fn, chain, null));
        this.coordinator = functions.coordinator(options.dispatcherDecorator().apply(invoker), options.settings());
        this.handler = new CoordinatorHandler(coordinator, functions.log(), functions.metrics(),
                devConfig.timeMargin(), functions.deadLetterRedrive());
    }

    /**
     * The one name pattern ({@link FunctionRouter}) that sends each class of {@code classToFunction} to its function,
     * as the template's naming convention does; refused when the functions do not follow one pattern.
     */
    static String patternOf(Map<String, String> classToFunction) {
        Map.Entry<String, String> first = classToFunction.entrySet().iterator().next();
        String part = FunctionRouter.functionNamePart(first.getKey());
        int at = part == null ? -1 : first.getValue().lastIndexOf(part);
        if (at < 0) {
            throw new IllegalArgumentException("function " + first.getValue() + " is not named after the class "
                    + first.getKey());
        }
        String pattern = first.getValue().substring(0, at) + FunctionRouter.NAME
                + first.getValue().substring(at + part.length());
        classToFunction.forEach((cls, fn) -> {
            String part2 = FunctionRouter.functionNamePart(cls);
            if (part2 == null || !pattern.replace(FunctionRouter.NAME, part2).equals(fn)) {
                throw new IllegalArgumentException("function " + fn + " for " + cls + " does not follow the pattern "
                        + pattern);
            }
        });
        return pattern;
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

    /**
     * Delivers an event (an S3 Object Created event, a tick) to the coordinator handler as the first invocation of
     * a new chain; returns its response.
     */
    public String invoke(String eventJson) {
        return invoke(eventJson, Lineage.start().plus(COORDINATOR),
                new DevContext(COORDINATOR, COORDINATOR_TIMEOUT_MILLIS));
    }

    /** Delivers an event with the given Lambda context (a test bounds the remaining time with it). */
    public String invoke(String eventJson, com.amazonaws.services.lambda.runtime.Context context) {
        return invoke(eventJson, Lineage.start().plus(COORDINATOR), context);
    }

    /** template.yaml's CoordinatorFunction Timeout. */
    static final long COORDINATOR_TIMEOUT_MILLIS = 60_000;

    private String invoke(String eventJson, Lineage chain, com.amazonaws.services.lambda.runtime.Context context) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Lineage.within(chain, () -> {
            try {
                handler.handleRequest(new ByteArrayInputStream(eventJson.getBytes(StandardCharsets.UTF_8)), out,
                        context);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return out.toString(StandardCharsets.UTF_8);
    }

    /**
     * One receive of up to 10 messages, handled as one Lambda SQS batch; returns how many were received.
     * Handled messages are deleted; failed ones stay for redelivery. A message whose chain ({@link Lineage}, its
     * {@code AWSTraceHeader}) has invoked the coordinator {@value RecursiveLoop#MAX_INVOCATIONS} times already is
     * stopped as Lambda stops it, unless the coordinator may loop ({@link Options#recursiveLoop()}): it goes to the
     * queue's dead-letter queue (or is dropped without one) and is not handled.
     */
    public int pollOnce(int waitSeconds) {
        List<Message> received = sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10)
                .waitTimeSeconds(waitSeconds).messageSystemAttributeNames(MessageSystemAttributeName.ALL)
                .messageAttributeNames("All")).messages();
        if (received.isEmpty()) {
            return 0;
        }
        List<Message> messages = new ArrayList<>();
        Lineage chain = null;
        for (Message m : received) {
            Lineage next = Lineage.parse(m.attributes().get(MessageSystemAttributeName.AWS_TRACE_HEADER))
                    .plus(COORDINATOR);
            if (admit(COORDINATOR, next, m)) {
                messages.add(m);
                chain = chain == null ? next : chain.merge(next);
            }
        }
        if (messages.isEmpty()) {
            return received.size();
        }
        String response = invoke(sqsEvent(messages), chain, new DevContext(COORDINATOR, COORDINATOR_TIMEOUT_MILLIS));
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
        return received.size();
    }

    /**
     * Lambda's recursive loop detection: true when {@code function} may run as this invocation of its chain. When
     * not, says so on one line and, for a queue message, moves it to the dead-letter queue (or drops it).
     */
    private boolean admit(String function, Lineage chain, Message message) {
        int n = chain.count(function);
        if (n <= RecursiveLoop.MAX_INVOCATIONS || options.recursiveLoop().allows(function)) {
            maxInvocations.accumulateAndGet(n, Math::max);
            return true;
        }
        recursionStops.incrementAndGet();
        String where = null;
        if (message != null) {
            where = deadLetter(message);
            sqs.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(message.receiptHandle()));
        }
        functions.log().error("recursive_loop_stopped", "function", function, "invocation", n,
                "messageId", message == null ? null : message.messageId(),
                "sentTo", message == null ? "the OnFailure destination" : where == null ? "nowhere (dropped)" : where,
                "message", "Lambda would stop this invocation: it would be " + function + "'s invocation " + n
                        + " in one chain, more than " + RecursiveLoop.MAX_INVOCATIONS + ", and the function's "
                        + "RecursiveLoop is not Allow (template.yaml; sluice dev --template / --recursive-loop)");
        return false;
    }

    /**
     * The coordinator queue's dead-letter queue from its redrive policy (what template.yaml hands the coordinator as
     * SLUICE_DLQ_URL), or null without one.
     */
    static String deadLetterQueueOf(AwsClients clients, String queueUrl) {
        if (queueUrl == null) {
            return null;
        }
        try {
            String policy = clients.sqs().getQueueAttributes(b -> b.queueUrl(queueUrl)
                    .attributeNames(QueueAttributeName.REDRIVE_POLICY)).attributes()
                    .get(QueueAttributeName.REDRIVE_POLICY);
            if (policy == null || policy.isBlank()) {
                return null;
            }
            String arn = Json.read(policy).path("deadLetterTargetArn").asText();
            String name = arn.substring(arn.lastIndexOf(':') + 1);
            return clients.sqs().getQueueUrl(b -> b.queueName(name)).queueUrl();
        } catch (software.amazon.awssdk.core.exception.SdkException e) {
            return null; // no such queue (yet): the host reports that where it polls; no redrive
        }
    }

    /** Sends a stopped message to the queue's dead-letter queue; returns its URL, or null without one. */
    private String deadLetter(Message m) {
        String policy = sqs.getQueueAttributes(b -> b.queueUrl(queueUrl)
                .attributeNames(QueueAttributeName.REDRIVE_POLICY)).attributes().get(QueueAttributeName.REDRIVE_POLICY);
        if (policy == null || policy.isBlank()) {
            return null;
        }
        String arn = Json.read(policy).path("deadLetterTargetArn").asText();
        String name = arn.substring(arn.lastIndexOf(':') + 1);
        String dlq = sqs.getQueueUrl(b -> b.queueName(name)).queueUrl();
        sqs.sendMessage(b -> b.queueUrl(dlq).messageBody(m.body()));
        return dlq;
    }

    /** A raw message (an OnFailure destination record) to the coordinator queue, in the sender's chain. */
    /** Sends to the coordinator queue with the caller's lineage, as {@code clients}' identity (null: the host's). */
    private void sendWithTrace(AwsClients clients, String body) {
        String trace = Lineage.currentHeader();
        (clients == null ? sqs : clients.sqs()).sendMessage(b -> {
            b.queueUrl(queueUrl).messageBody(body);
            if (trace != null) {
                b.messageSystemAttributes(dev.sluice.functions.dispatch.SqsCoordinatorQueue.traceAttribute(trace));
            }
        });
    }

    /** Invocations Lambda's recursive loop detection would have stopped (and this host stopped, or let run). */
    public int recursionStops() {
        return recursionStops.get();
    }

    /** The most invocations of one hosted function in one chain seen so far. */
    public int maxChainInvocations() {
        return maxInvocations.get();
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
