package dev.sluice.infra.bench;

import dev.sluice.engine.Decision;
import dev.sluice.engine.Dispatch;
import dev.sluice.engine.Engine;
import dev.sluice.engine.EngineOptions;
import dev.sluice.engine.Event;
import dev.sluice.engine.Notification;
import dev.sluice.engine.RunType;
import dev.sluice.infra.AwsClients;
import dev.sluice.infra.PayloadStore;
import dev.sluice.infra.TableLayout;
import dev.sluice.infra.store.CapacityMeter;
import dev.sluice.infra.store.DynamoDbStateStore;
import dev.sluice.infra.testing.AwsEndpointExtension;
import dev.sluice.model.Dag;
import dev.sluice.model.DagBuilder;
import dev.sluice.state.RunState;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * DynamoDB request units per successful task attempt, driving runs through {@code Engine.decide} (at most 25
 * dispatches per decision, as the coordinator does) and {@link DynamoDbStateStore}, against the endpoint the ITs use
 * (AWS_ENDPOINT_URL, LocalStack or moto). Every event does what the AWS runtime does: view, decide, apply.
 *
 * <p>Run: {@code bench/dynamodb.sh [widths]} (builds, then runs this main against AWS_ENDPOINT_URL or a moto
 * server with bench/moto-bench-server.py's speed-ups; see docs/performance.md). Not a test: surefire and failsafe
 * only pick up *Test and *IT classes.
 *
 * <p>Two figures per row: "reported" is what the endpoint returned for ReturnConsumedCapacity=TOTAL (exact on real
 * DynamoDB; moto returns fixed placeholder values and nothing for transactions), "billed" is computed from the item
 * sizes by DynamoDB's rules (see {@link CapacityMeter}).
 */
public final class DynamoDbCapacityBench {
    /** Units by event type for the current row, to show where they go. */
    private static final java.util.Map<String, CapacityMeter.Units> BY_EVENT = new java.util.TreeMap<>();
    /** The most requests one event took in the current row, and which: the event's neighbourhood bounds it. */
    private static long maxRequests;
    private static String maxEvent = "";

    private DynamoDbCapacityBench() {
    }

    public static void main(String[] args) {
        List<Integer> fanouts = new ArrayList<>();
        for (String a : args.length == 0 ? new String[] {"10", "10000"} : args) {
            fanouts.add(Integer.parseInt(a));
        }
        AwsClients c = AwsClients.create(AwsEndpointExtension.REGION, AwsEndpointExtension.resolve().uri(),
                software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("test", "test")));
        String bucket = AwsEndpointExtension.uniqueName("sluice-bench");
        c.s3().createBucket(b -> b.bucket(bucket));
        System.out.printf("endpoint: %s (%s)%n", AwsEndpointExtension.resolve().uri(),
                AwsEndpointExtension.resolve().source());
        System.out.printf("%-34s %7s %9s %9s %9s %9s %9s %8s %8s%n", "DAG", "tasks", "attempts", "billedWCU",
                "billedRCU", "rep.WCU", "rep.RCU", "requests", "wall s");
        List<double[]> perAttempt = new ArrayList<>();
        perAttempt.add(row(c, bucket, "100 tasks: 10 chains of 10", chains(10, 10)));
        for (int n : fanouts) {
            perAttempt.add(row(c, bucket, "fan-out/fan-in, width " + n, fanOut(n)));
        }
        if (perAttempt.size() >= 3) {
            double[] small = perAttempt.get(1);
            double[] large = perAttempt.get(perAttempt.size() - 1);
            System.out.printf("ratio largest/smallest fan-out, per attempt: WCU %.2f, RCU %.2f%n",
                    large[0] / small[0], large[1] / small[1]);
        }
        c.close();
        System.exit(0);
    }

    static Dag chains(int chains, int length) {
        DagBuilder b = DagBuilder.dag("chains").maxActiveTasks(32);
        for (int c = 0; c < chains; c++) {
            for (int i = 0; i < length; i++) {
                String id = "c" + c + "_" + i;
                String up = i == 0 ? null : "c" + c + "_" + (i - 1);
                b.task(id, t -> {
                    t.command("x");
                    if (up != null) {
                        t.upstream(up);
                    }
                });
            }
        }
        return b.build();
    }

    static Dag fanOut(int width) {
        DagBuilder b = DagBuilder.dag("fan" + width).maxActiveTasks(64);
        b.task("start", t -> t.command("x"));
        List<String> mids = new ArrayList<>();
        for (int i = 0; i < width; i++) {
            b.task("m" + i, t -> t.command("x").upstream("start"));
            mids.add("m" + i);
        }
        b.task("join", t -> t.command("x").upstream(mids));
        return b.build();
    }

    /** Returns {billed WCU, billed RCU} per successful attempt. */
    private static double[] row(AwsClients c, String bucket, String name, Dag dag) {
        String table = AwsEndpointExtension.uniqueName("sluice-bench");
        TableLayout.createTable(c.dynamoDb(), table);
        DynamoDbStateStore store = DynamoDbStateStore.create(c.dynamoDb(), table, new PayloadStore(c.s3(), bucket));
        Engine engine = new Engine(dag, // as the coordinator: ordered writes on
                EngineOptions.builder().maxDispatchesPerDecision(25).orderedWrites(true).build());
        Random random = new Random(1);
        Instant now = Instant.parse("2024-01-01T00:00:00Z");
        String runId = "manual__bench";
        long started = System.nanoTime();
        CapacityMeter.Units before = store.meter().snapshot();
        ArrayDeque<Dispatch> pending = new ArrayDeque<>();
        int[] ticks = {0};
        send(store, engine, runId, new Event.RunRequested(runId, RunType.MANUAL, now, now, now, null, "v1"), now,
                random, pending, ticks);
        int attempts = 0;
        while (!pending.isEmpty() || ticks[0] > 0) {
            if (pending.isEmpty()) {
                ticks[0] = 0;
                send(store, engine, runId, new Event.Tick(), now, random, pending, ticks);
                continue;
            }
            Dispatch x = pending.poll();
            send(store, engine, runId, new Event.TaskStarted(x.task(), x.tryNumber()), now, random, pending, ticks);
            send(store, engine, runId, new Event.TaskSucceeded(x.task(), x.tryNumber(), "{\"ok\":true}"), now,
                    random, pending, ticks);
            attempts++;
        }
        if (store.run(runId).orElseThrow().state() != RunState.SUCCESS) {
            throw new AssertionError(name + ": run did not succeed");
        }
        CapacityMeter.Units u = store.meter().snapshot().minus(before);
        double wall = (System.nanoTime() - started) / 1e9;
        System.out.printf("%-34s %7d %9d %9.2f %9.2f %9.2f %9.2f %8.2f %8.1f%n", name, dag.tasks().size(), attempts,
                u.billedWrite() / attempts, u.billedRead() / attempts, u.reportedWrite() / attempts,
                u.reportedRead() / attempts, (double) u.requests() / attempts, wall);
        final int n = attempts;
        BY_EVENT.forEach((k, v) -> System.out.printf("    %-32s billedWCU %7.2f billedRCU %7.2f requests %7.2f (per attempt)%n",
                k, v.billedWrite() / n, v.billedRead() / n, (double) v.requests() / n));
        System.out.printf("    largest event: %s, %d requests%n", maxEvent, maxRequests);
        BY_EVENT.clear();
        maxRequests = 0;
        return new double[] {u.billedWrite() / attempts, u.billedRead() / attempts};
    }

    private static void send(DynamoDbStateStore store, Engine engine, String runId, Event e, Instant now,
                             Random random, ArrayDeque<Dispatch> pending, int[] ticks) {
        CapacityMeter.Units before = store.meter().snapshot();
        Decision d = engine.decide(store.view(engine.dag(), runId), e, now, random);
        store.apply(d);
        CapacityMeter.Units used = store.meter().snapshot().minus(before);
        BY_EVENT.merge(e.getClass().getSimpleName(), used, CapacityMeter.Units::plus);
        if (used.requests() > maxRequests) {
            maxRequests = used.requests();
            maxEvent = e.toString();
        }
        pending.addAll(d.dispatches());
        for (Notification n : d.notifications()) {
            if (n instanceof Notification.MoreReady) {
                ticks[0]++;
            }
        }
    }
}
