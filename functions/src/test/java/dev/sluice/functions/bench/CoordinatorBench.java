package dev.sluice.functions.bench;

import dev.sluice.engine.Json;
import dev.sluice.functions.Coordinator;
import dev.sluice.functions.CoordinatorHandler;
import dev.sluice.functions.Env;
import dev.sluice.functions.Functions;
import dev.sluice.functions.devhost.DevContext;
import dev.sluice.functions.devhost.DevResources;
import dev.sluice.functions.message.CoordinatorMessage;
import dev.sluice.functions.message.Messages;
import dev.sluice.functions.message.TaskInvocation;
import dev.sluice.functions.message.TaskResult;
import dev.sluice.infra.AwsClients;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Coordinator timings against an AWS endpoint (docs/performance.md has the commands and figures). Not a test.
 * <ul>
 *   <li>{@code setup DIR}: creates table/bucket/queue named by SLUICE_* env, uploads two DAGs, starts a run whose
 *       one task is queued, and writes the SQS event of its completion to DIR/cold-event.json.</li>
 *   <li>{@code cold DIR}: in a fresh JVM, {@code new CoordinatorHandler()} (static init from the environment, as on
 *       Lambda) handles DIR/cold-event.json; prints the time from JVM start to the handled event.</li>
 *   <li>{@code steady N}: a fan-out of N tasks; after a warm-up, times each completion event through the handler.</li>
 * </ul>
 */
public final class CoordinatorBench {
    static final String ONE = "dag_id: bench_one\ntasks:\n  - {task_id: only, handler: example.Only}\n";

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "setup" -> setup(Path.of(args[1]));
            case "cold" -> cold(Path.of(args[1]));
            case "steady" -> steady(Integer.parseInt(args[1]));
            default -> throw new IllegalArgumentException("setup DIR | cold DIR | steady N");
        }
    }

    static Env.Config config() {
        return Env.fromEnvironment();
    }

    static void setup(Path dir) throws Exception {
        AwsClients clients = AwsClients.shared();
        Env.Config c = config();
        String queueName = c.queueUrl().substring(c.queueUrl().lastIndexOf('/') + 1);
        DevResources.ensure(clients, c.table(), c.bucket(), queueName, 30);
        clients.s3().putObject(b -> b.bucket(c.bucket()).key(c.dagsPrefix() + "bench_one.yaml"),
                RequestBody.fromString(ONE));
        List<String> invocations = new ArrayList<>();
        Functions f = quiet(c, clients);
        Coordinator co = f.coordinator((fn, json) -> invocations.add(json), Coordinator.Settings.defaults());
        String runId = "bench_one.manual__" + System.currentTimeMillis();
        co.handle(new CoordinatorMessage.Trigger("bench_one", null, runId, null), null);
        TaskInvocation inv = TaskInvocation.parse(invocations.get(0));
        String body = Messages.write(new CoordinatorMessage.Completion(inv.task(), new TaskResult.Succeeded("1")));
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("cold-event.json"), sqsEvent(List.of(body)));
        System.out.println("run " + runId + " ready; event in " + dir.resolve("cold-event.json"));
    }

    static void cold(Path dir) throws Exception {
        byte[] event = Files.readAllBytes(dir.resolve("cold-event.json"));
        CoordinatorHandler h = new CoordinatorHandler();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        h.handleRequest(new ByteArrayInputStream(event), out, new DevContext("bench", 60_000));
        long ms = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
        System.err.println("COLD_INIT_MS " + ms + " response " + out.toString(StandardCharsets.UTF_8));
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
