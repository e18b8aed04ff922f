package dev.sluice.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.functions.support.SerializedWrites;
import dev.sluice.fuzz.chaos.ChaosFigures;
import dev.sluice.fuzz.chaos.ChaosHarness;
import dev.sluice.infra.TableLayout;
import dev.sluice.infra.store.DynamoDbStateStore;
import dev.sluice.infra.testing.AwsEndpointExtension;
import dev.sluice.store.StateStore;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The chaos harness against the DynamoDB store on the emulator: the full workload of {@value #DEFAULT_RUNS} runs,
 * with throttling injected into the real SDK client ({@link SdkThrottler}) on 5% of API calls.
 *
 * <p>The runs go in batches of {@value #DEFAULT_BATCH} (the workload's runs {@code i} to {@code i + batch - 1},
 * exactly the DAGs and faults of the seed's workload), each batch a full harness (its own queue, 8 workers, poison,
 * ticks) on a fresh table, because moto's cost per call grows with the table: its TransactWriteItems deep-copies the
 * whole table before it writes, and its queries (partition and GSI alike) walk every item.
 * {@value #DEFAULT_PARALLEL} batches run at a time: against moto spread over {@value #DEFAULT_SERVERS} moto servers
 * (moto uses at most one core per server), against any other endpoint on that one endpoint. Still the real {@link DynamoDbStateStore} over HTTP with the real SDK client.
 *
 * <p>{@code -Dchaos.seed}, {@code -Dchaos.workers} as in the embedded harness; {@code -Dchaos.dynamodb.runs},
 * {@code -Dchaos.dynamodb.batch} (runs per table), {@code -Dchaos.dynamodb.parallel} (batches at a time),
 * {@code -Dchaos.dynamodb.servers} (moto servers they share) and
 * {@code -Dchaos.dynamodb.from} (the first run's index, to replay one batch).
 */
class DynamoDbChaosIT {
    static final int DEFAULT_RUNS = 200;
    static final int DEFAULT_BATCH = 4;
    static final int DEFAULT_SERVERS = 2;
    static final int DEFAULT_PARALLEL = 4;

    @RegisterExtension
    static final AwsEndpointExtension AWS = new AwsEndpointExtension();

    private final CallProfile profile = new CallProfile();
    private final AtomicLong apiCalls = new AtomicLong();
    private final AtomicInteger throttled = new AtomicInteger();
    private final AtomicInteger lostResponses = new AtomicInteger();

    @Test
    void everyFaultedRunEndsLikeTheOracle() throws Exception {
        long seed = Long.getLong("chaos.seed", 20_240_101L);
        int workers = Integer.getInteger("chaos.workers", 8);
        int from = Integer.getInteger("chaos.dynamodb.from", 0);
        int runs = Integer.getInteger("chaos.dynamodb.runs", DEFAULT_RUNS);
        int batch = Math.max(1, Integer.getInteger("chaos.dynamodb.batch", DEFAULT_BATCH));
        int batches = (runs + batch - 1) / batch;
        int lanes = Math.max(1, Math.min(batches, Integer.getInteger("chaos.dynamodb.parallel", DEFAULT_PARALLEL)));
        int servers = Math.max(1, Math.min(lanes, Integer.getInteger("chaos.dynamodb.servers", DEFAULT_SERVERS)));
        AwsEndpointExtension.Source source = AwsEndpointExtension.resolve().source();
        String storeName = "DynamoDB (" + source + ")";

        long wall = System.nanoTime();
        List<URI> hosts = new ArrayList<>();
        hosts.add(AWS.endpoint());
        for (int i = 1; i < servers; i++) {
            hosts.add(source == AwsEndpointExtension.Source.MOTO ? AwsEndpointExtension.startAnotherMoto()
                    : AWS.endpoint());
        }
        List<URI> endpoints = new ArrayList<>();
        for (int i = 0; i < lanes; i++) {
            endpoints.add(hosts.get(i % servers));
        }
        ConcurrentLinkedQueue<Integer> todo = new ConcurrentLinkedQueue<>();
        for (int first = from; first < from + runs; first += batch) {
            todo.add(first);
        }
        List<ChaosFigures> done = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(lanes);
        try {
            List<Future<List<ChaosFigures>>> futures = new ArrayList<>();
            for (URI endpoint : endpoints) {
                futures.add(pool.submit(() -> {
                    List<ChaosFigures> mine = new ArrayList<>();
                    for (Integer first = todo.poll(); first != null; first = todo.poll()) {
                        int n = Math.min(batch, from + runs - first);
                        mine.add(batch(endpoint, storeName, seed, first, n, workers, batch));
                    }
                    return mine;
                }));
            }
            for (Future<List<ChaosFigures>> f : futures) {
                try {
                    done.addAll(f.get());
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof Exception ex ? ex : e;
                }
            }
        } finally {
            pool.shutdownNow();
        }
        ChaosFigures f = ChaosFigures.combine(storeName, done, Duration.ofNanos(System.nanoTime() - wall));
        System.out.printf("   (%d runs from index %d, in %d batches of up to %d runs, each on a fresh table; %d at a "
                + "time on %d %s)%n", runs, from, batches, batch, lanes, servers,
                source == AwsEndpointExtension.Source.MOTO ? "moto servers" : "endpoint(s)");
        System.out.print(f.report());
        System.out.println("   store faults: " + apiCalls.get() + " DynamoDB API calls, " + throttled.get()
                + " throttled by the SDK interceptor (" + String.format("%.1f%%", 100.0 * throttled.get()
                / Math.max(1, apiCalls.get())) + "), " + lostResponses.get() + " writes whose response was lost");
        System.out.println("   DynamoDB calls: " + profile.describe());
        assertThat(f.onTarget()).as(f.report()).isTrue();
    }

    /** Runs {@code first} to {@code first + n - 1} of the workload on a fresh table at {@code endpoint}. */
    private ChaosFigures batch(URI endpoint, String storeName, long seed, int first, int n, int workers, int size)
            throws InterruptedException {
        long t0 = System.nanoTime();
        String table = AwsEndpointExtension.uniqueName("sluice-chaos-" + first);
        SdkThrottler throttler = new SdkThrottler(seed + first, 0.05, 0.01);
        CallProfile calls = new CallProfile();
        try (DynamoDbClient plain = client(endpoint, calls);
                DynamoDbClient faulty = client(endpoint, throttler, calls)) {
            TableLayout.createTable(plain, table);
            try {
                StateStore store = SerializedWrites.onMotoPerTable().apply(DynamoDbStateStore.create(faulty, table));
                StateStore verify = DynamoDbStateStore.create(plain, table);
                ChaosHarness.Config cfg = new ChaosHarness.Config(storeName, seed, n, workers, first);
                ChaosFigures f = new ChaosHarness(cfg, store, verify).run();
                System.out.printf("   batch runs %d-%d on %s: %d/%d correct, simulated %s, %.1f s wall, %s%n", first,
                        first + n - 1, endpoint, f.runsCorrect(), f.runsTotal(), f.simulated(),
                        (System.nanoTime() - t0) / 1e9, calls.describe());
                if (!f.onTarget()) {
                    System.out.printf("   replay this batch: -Dchaos.seed=%d -Dchaos.dynamodb.from=%d "
                            + "-Dchaos.dynamodb.runs=%d -Dchaos.dynamodb.batch=%d -Dchaos.workers=1%n", seed, first, n,
                            size);
                }
                return f;
            } finally {
                plain.deleteTable(b -> b.tableName(table));
                apiCalls.addAndGet(throttler.calls());
                throttled.addAndGet(throttler.throttled.get());
                lostResponses.addAndGet(throttler.lostResponses.get());
                synchronized (profile) {
                    profile.add(calls);
                }
            }
        }
    }

    private static DynamoDbClient client(URI endpoint, ExecutionInterceptor... interceptors) {
        return DynamoDbClient.builder().region(AwsEndpointExtension.REGION).endpointOverride(endpoint)
                .credentialsProvider(credentials()).httpClient(UrlConnectionHttpClient.builder().build())
                .overrideConfiguration(c -> {
                    c.retryStrategy(dev.sluice.infra.AwsRetries.standard());
                    for (ExecutionInterceptor i : interceptors) {
                        c.addExecutionInterceptor(i);
                    }
                }).build();
    }

    private static AwsCredentialsProvider credentials() {
        String key = System.getenv("AWS_ACCESS_KEY_ID");
        return key != null && !key.isBlank() ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));
    }
}
