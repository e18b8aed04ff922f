package dev.sluice.fuzz.chaos;

import dev.sluice.store.StateStore;
import dev.sluice.store.StoreException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Store faults for the embedded stores, which have no SDK to inject into: a share of requests are throttled, and a
 * share of {@link StateStore#apply} calls commit and then fail anyway (a response lost after the write: the caller
 * cannot tell whether it happened). A throttled request is retried here up to {@link #ATTEMPTS} times, as the
 * DynamoDB adapter's SDK client does ({@code AwsRetries.standard()}); only a call throttled on every attempt fails,
 * with the retryable {@link StoreException} that adapter throws. The DynamoDB harness injects the same faults as
 * real SDK exceptions instead.
 */
public final class ThrottlingStore {
    /** As {@code AwsErrors.MAX_ATTEMPTS} in the DynamoDB adapter. */
    static final int ATTEMPTS = 6;
    private final StateStore inner;
    private final double throttleRate;
    private final double lostResponseRate;
    private final long seed;
    private final AtomicLong calls = new AtomicLong();
    public final AtomicInteger throttled = new AtomicInteger();
    public final AtomicInteger lostResponses = new AtomicInteger();

    public ThrottlingStore(StateStore inner, long seed, double throttleRate, double lostResponseRate) {
        this.inner = inner;
        this.seed = seed;
        this.throttleRate = throttleRate;
        this.lostResponseRate = lostResponseRate;
    }

    public StateStore store() {
        InvocationHandler h = (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class || method.getName().equals("close")) {
                return invoke(method, args);
            }
            SplittableRandom r = new SplittableRandom(seed + calls.incrementAndGet() * 0x9E3779B97F4A7C15L);
            for (int attempt = 1; r.nextDouble() < throttleRate; attempt++) {
                throttled.incrementAndGet();
                if (attempt >= ATTEMPTS) {
                    throw new StoreException(method.getName() + ": throttled " + ATTEMPTS
                            + " times in a row (injected ProvisionedThroughputExceeded)", true);
                }
            }
            Object out = invoke(method, args);
            if (method.getName().equals("apply") && r.nextDouble() < lostResponseRate) {
                lostResponses.incrementAndGet();
                throw new StoreException("apply: the response was lost after the write (injected)", true);
            }
            return out;
        };
        return (StateStore) Proxy.newProxyInstance(StateStore.class.getClassLoader(), new Class<?>[] {StateStore.class},
                h);
    }

    public String describe() {
        return calls.get() + " store calls, " + throttled.get() + " requests throttled (" + pct(throttled.get(),
                calls.get() + throttled.get()) + " of requests, retried as the DynamoDB adapter does), " + lostResponses.get() + " writes whose response was lost";
    }

    private Object invoke(java.lang.reflect.Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(inner, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    static String pct(long a, long b) {
        return b == 0 ? "0%" : String.format("%.1f%%", 100.0 * a / b);
    }
}
