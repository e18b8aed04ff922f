package dev.sluice.reliability;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * Where the harness's time goes on the emulator: DynamoDB API calls that reached the endpoint, by operation, with
 * their round-trip time (request sent to response read). Printed with the figures.
 */
final class CallProfile implements ExecutionInterceptor {
    private static final ExecutionAttribute<Long> SENT = new ExecutionAttribute<>("chaos.sent");
    private final Map<String, long[]> byOp = new ConcurrentHashMap<>();
    private final AtomicLong total = new AtomicLong();

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        attributes.putAttribute(SENT, System.nanoTime());
    }

    @Override
    public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
        Long sent = attributes.getAttribute(SENT);
        if (sent == null) {
            return;
        }
        long ns = System.nanoTime() - sent;
        String op = context.request().getClass().getSimpleName().replace("Request", "");
        long[] a = byOp.computeIfAbsent(op, k -> new long[2]);
        synchronized (a) {
            a[0]++;
            a[1] += ns;
        }
        total.addAndGet(ns);
    }

    /** Adds another profile's counts to this one. */
    void add(CallProfile other) {
        other.byOp.forEach((op, v) -> {
            long[] a = byOp.computeIfAbsent(op, k -> new long[2]);
            synchronized (a) {
                synchronized (v) {
                    a[0] += v[0];
                    a[1] += v[1];
                }
            }
        });
        total.addAndGet(other.total.get());
    }

    String describe() {
        StringBuilder b = new StringBuilder();
        long calls = 0;
        for (Map.Entry<String, long[]> e : new TreeMap<>(byOp).entrySet()) {
            long[] a = e.getValue();
            calls += a[0];
            b.append(String.format(" %s=%d (%.1f ms avg)", e.getKey(), a[0], a[0] == 0 ? 0.0 : a[1] / 1e6 / a[0]));
        }
        return calls + " calls sent, " + String.format("%.1f s", total.get() / 1e9) + " in flight in total:" + b;
    }
}
