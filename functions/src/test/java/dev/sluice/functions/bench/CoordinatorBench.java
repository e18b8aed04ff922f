package dev.sluice.functions.bench;

import dev.sluice.engine.Json;
import dev.sluice.examples.warehouse.CheckSources;
import dev.sluice.functions.Coordinator;
import dev.sluice.functions.CoordinatorHandler;
import dev.sluice.functions.Env;
import dev.sluice.functions.Functions;
import dev.sluice.functions.devhost.DevContext;
import dev.sluice.functions.devhost.DevResources;
import dev.sluice.functions.jar.FunctionProcess;
import dev.sluice.functions.jar.LambdaRuntimeStandIn;
import dev.sluice.functions.message.CoordinatorMessage;
import dev.sluice.functions.message.Messages;
import dev.sluice.functions.message.TaskInvocation;
import dev.sluice.functions.message.TaskResult;
import dev.sluice.infra.AwsClients;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Coordinator timings against an AWS endpoint (docs/performance.md has the commands and figures). Not a test.
 * <ul>
 *   <li>{@code cold-jar JAR[,JAR...] RUNS [default]}: creates table/bucket/queue named by SLUICE_* env and a
 *       one-task DAG; then, RUNS times, a fresh JVM with only JAR (and the Lambda runtime stand-in) on its class
 *       path handles its first event as the coordinator, and another as the task function; prints each and the
 *       medians. Several jars take turns.</li>
 *   <li>{@code steady N}: a fan-out of N tasks; after a warm-up, times each completion event through the handler.</li>
 * </ul>
 */
public final class CoordinatorBench {
    static final String ONE = "dag_id: bench_one\ntasks:\n  - {task_id: only, handler: " + CheckSources.class.getName()
            + ", params: {simulate_ms: 0}}\n";

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "steady" -> steady(Integer.parseInt(args[1]));
            case "cold-jar" -> coldJar(java.util.Arrays.stream(args[1].split(",")).map(Path::of).toList(),
                    Integer.parseInt(args[2]), args.length > 3 && args[3].equals("default"));
            default -> throw new IllegalArgumentException("cold-jar JAR[,JAR...] RUNS [default] | steady N");
        }
    }

    static Env.Config config() {
        return Env.fromEnvironment();
    }

    /** The bench's table, bucket and queue (named by the SLUICE_* environment) and its one-task DAG. */
    private static Functions resources(Env.Config c, AwsClients clients) {
        String queueName = c.queueUrl().substring(c.queueUrl().lastIndexOf('/') + 1);
        DevResources.ensure(clients, c.table(), c.bucket(), queueName, 30);
        clients.s3().putObject(b -> b.bucket(c.bucket()).key(c.dagsPrefix() + "bench_one.yaml"),
                RequestBody.fromString(ONE));
        return quiet(c, clients);
    }

    /**
     * A new run of bench_one whose one task is queued: the invocation its task function gets, and the SQS event of
     * the task's completion, which the coordinator gets.
     */
    record Prepared(String runId, String invocation, String completionEvent) {
    }

    private static Prepared prepare(Functions f, String runId) {
        List<String> invocations = new ArrayList<>();
        Coordinator co = f.coordinator((fn, json) -> invocations.add(json), Coordinator.Settings.defaults());
        co.handle(new CoordinatorMessage.Trigger("bench_one", null, runId, null), null);
        TaskInvocation inv = TaskInvocation.parse(invocations.get(0));
        String body = Messages.write(new CoordinatorMessage.Completion(inv.task(), new TaskResult.Succeeded("1")));
        return new Prepared(runId, Json.read(invocations.get(0)).toString(), sqsEvent(List.of(body)));
    }

    /**
     * Cold starts of the Lambda jar, as docs/performance.md reports them: {@code runs} times, a fresh JVM whose class
     * path is the jar and the {@link LambdaRuntimeStandIn} only (as {@link dev.sluice.functions.jar.LambdaJarIT}
     * runs it) handles its first event, once as the coordinator (a task's completion, SQS event) and once as the
     * task function of the task (its invocation). Each measures from JVM start to the handled event. Several jars
     * (e.g. before and after a change) take turns in each round, so that the machine's load drifts over all alike.
     * The JVM flags are Lambda's Java runtime's ({@link FunctionProcess#LAMBDA_JVM_FLAGS}) unless
     * {@code defaultFlags}.
     */
    static void coldJar(List<Path> jars, int runs, boolean defaultFlags) throws Exception {
        AwsClients clients = AwsClients.shared();
        Env.Config c = config();
        Functions f = resources(c, clients);
        Path work = Files.createTempDirectory("sluice-cold-jar");
        Path standIn = FunctionProcess.standInFolder(work);
        List<String> flags = defaultFlags ? List.of() : FunctionProcess.LAMBDA_JVM_FLAGS;
        Map<String, String> env = new HashMap<>(System.getenv());
        Map<String, String> taskEnv = new HashMap<>(env);
        taskEnv.put(Env.TASK_CLASS, CheckSources.class.getName());
        Map<Path, List<long[]>> figures = new java.util.LinkedHashMap<>();   // jar -> {coordinator, init, task, init}
        jars.forEach(j -> figures.put(j, new ArrayList<>()));
        for (int i = 0; i < runs; i++) {
            for (Path jar : jars) {
                List<Path> classPath = List.of(standIn, jar.toAbsolutePath());
                String tag = jar.getFileName() + "-" + i;
                long[] row = new long[4];
                Prepared a = prepare(f, "bench_one.cold__" + System.currentTimeMillis() + "_c" + i);
                try (FunctionProcess p = FunctionProcess.start("coordinator", classPath,
                        "dev.sluice.functions.CoordinatorHandler::handleRequest", env, flags,
                        work.resolve("coordinator-" + tag + ".log"), Duration.ofMinutes(2))) {
                    FunctionProcess.Result r = p.invoke(a.completionEvent(), Duration.ofMinutes(2));
                    if (!r.ok() || !r.body().contains("\"batchItemFailures\":[]")) {
                        throw new IllegalStateException("coordinator " + tag + ": " + r.body());
                    }
                    row[0] = r.sinceJvmStartMs();
                    row[1] = p.initMs();
                }
                Prepared b = prepare(f, "bench_one.cold__" + System.currentTimeMillis() + "_t" + i);
                try (FunctionProcess p = FunctionProcess.start("task", classPath,
                        "dev.sluice.functions.TaskFunctionHandler::handleRequest", taskEnv, flags,
                        work.resolve("task-" + tag + ".log"), Duration.ofMinutes(2))) {
                    FunctionProcess.Result r = p.invoke(b.invocation(), Duration.ofMinutes(2));
                    if (!r.ok() || !r.body().contains("\"status\":\"success\"")) {
                        throw new IllegalStateException("task function " + tag + ": " + r.body());
                    }
                    row[2] = r.sinceJvmStartMs();
                    row[3] = p.initMs();
                }
                // the task reported success to the queue; end its run here, so that runs never pile up
                handle(new CoordinatorHandler(f.coordinator((fn, json) -> { }, Coordinator.Settings.defaults()),
                        f.log(), f.metrics()), b.completionEvent());
                figures.get(jar).add(row);
                System.err.printf("run %d %s: coordinator %d ms (init %d), task function %d ms (init %d)%n", i + 1,
                        jar, row[0], row[1], row[2], row[3]);
            }
        }
        for (Map.Entry<Path, List<long[]>> e : figures.entrySet()) {
            List<long[]> rows = e.getValue();
            System.err.printf("COLD_JAR %s (%,d bytes), %s JVM flags, %d runs: coordinator median %d ms (init %d),"
                            + " task function median %d ms (init %d)%n", e.getKey(), Files.size(e.getKey()),
                    defaultFlags ? "default" : "Lambda's", runs, median(rows, 0), median(rows, 1), median(rows, 2),
                    median(rows, 3));
        }
    }

    private static long median(List<long[]> rows, int column) {
        List<Long> sorted = rows.stream().map(r -> r[column]).sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    static void steady(int width) throws Exception {
        AwsClients clients = AwsClients.shared();
        Env.Config c = config();
        StringBuilder dag = new StringBuilder("dag_id: bench_wide\nmax_active_tasks: " + (width + 1)
                + "\ntasks:\n  - {task_id: root, handler: example.R}\n");
        for (int i = 0; i < width; i++) {
            dag.append("  - {task_id: t").append(i).append(", upstream: [root], handler: example.T}\n");
        }
        clients.s3().putObject(b -> b.bucket(c.bucket()).key(c.dagsPrefix() + "bench_wide.yaml"),
                RequestBody.fromString(dag.toString()));
        List<String> invocations = new ArrayList<>();
        Functions f = quiet(c, clients);
        Coordinator co = f.coordinator((fn, json) -> invocations.add(json),
                new Coordinator.Settings(width + 1, 20, java.time.Duration.ofMinutes(15),
                        java.time.Duration.ofMinutes(16), java.time.Duration.ofMinutes(1), 200, 50));
        CoordinatorHandler h = new CoordinatorHandler(co, f.log(), f.metrics());
        String runId = "bench_wide.manual__" + System.currentTimeMillis();
        co.handle(new CoordinatorMessage.Trigger("bench_wide", null, runId, null), null);
        handle(h, completion(invocations.get(0)));
        List<String> events = new ArrayList<>();
        for (int i = 1; i < invocations.size(); i++) {
            events.add(completion(invocations.get(i)));
        }
        int warm = Math.min(20, events.size() / 4);
        for (int i = 0; i < warm; i++) {
            handle(h, events.get(i));
        }
        long start = System.nanoTime();
        for (int i = warm; i < events.size(); i++) {
            handle(h, events.get(i));
        }
        double perEvent = (System.nanoTime() - start) / 1e6 / (events.size() - warm);
        var run = f.store().run(runId).orElseThrow();
        System.err.printf("STEADY_MS_PER_COMPLETION %.2f over %d events; run %s%n", perEvent, events.size() - warm,
                run.state().airflowName());
        System.err.println("UNITS " + f.dynamoDbStore().meter().snapshot());
    }

    private static String completion(String invocationJson) {
        TaskInvocation inv = TaskInvocation.parse(invocationJson);
        return sqsEvent(List.of(Messages.write(new CoordinatorMessage.Completion(inv.task(),
                new TaskResult.Succeeded("{\"ok\":true}")))));
    }

    private static void handle(CoordinatorHandler h, String event) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        h.handleRequest(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), out,
                new DevContext("bench", 60_000));
        if (!out.toString(StandardCharsets.UTF_8).contains("\"batchItemFailures\":[]")) {
            throw new IllegalStateException("event failed: " + out);
        }
    }

    private static Functions quiet(Env.Config c, AwsClients clients) {
        PrintStream nul = new PrintStream(java.io.OutputStream.nullOutputStream());
        return new Functions(c, clients, Clock.systemUTC(), new dev.sluice.functions.obs.JsonLog(nul, Clock.systemUTC()),
                new dev.sluice.functions.obs.Metrics(nul, Clock.systemUTC()));
    }

    static String sqsEvent(List<String> bodies) {
        var root = Json.MAPPER.createObjectNode();
        var records = root.putArray("Records");
        int i = 0;
        for (String b : bodies) {
            var r = records.addObject();
            r.put("messageId", "bench-" + i++);
            r.put("receiptHandle", "rh");
            r.put("body", b);
            r.putObject("attributes").put("SentTimestamp", Long.toString(System.currentTimeMillis()))
                    .put("ApproximateReceiveCount", "1");
            r.putObject("messageAttributes");
            r.put("eventSource", "aws:sqs");
            r.put("eventSourceARN", "arn:aws:sqs:us-east-1:000000000000:bench");
            r.put("awsRegion", "us-east-1");
        }
        return root.toString();
    }

}
