package dev.sluice.functions.support;

import dev.sluice.infra.testing.AwsEndpointExtension;
import dev.sluice.store.StateStore;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Makes a store's writes one at a time within this JVM. Needed on moto only: its TransactWriteItems is not isolated
 * under concurrent requests (it checks and writes item by item, and rolls back by restoring a snapshot of the whole
 * table, which can erase a concurrent transaction's writes). DynamoDB and LocalStack isolate transactions, so there
 * the decorator is the identity. Reads and decisions still run concurrently, so lost races still happen and are
 * decided again.
 */
public final class SerializedWrites {
    private static final Object LOCK = new Object();
    private static final Set<String> WRITES = Set.of("apply", "putDagVersion", "deleteTimer", "resetBreaker");

    private SerializedWrites() {
    }

    /** The identity, unless the tests run against moto. */
    public static UnaryOperator<StateStore> onMoto() {
        return AwsEndpointExtension.resolve().source() == AwsEndpointExtension.Source.MOTO
                ? SerializedWrites::wrap : UnaryOperator.identity();
    }

    /**
     * As {@link #onMoto()}, but the writes are serialised only among the stores this operator wraps, for stores on
     * a table of their own: moto snapshots and restores only the tables a transaction writes, so transactions on
     * different tables do not interfere and may run at the same time.
     */
    public static UnaryOperator<StateStore> onMotoPerTable() {
        Object lock = new Object();
        return AwsEndpointExtension.resolve().source() == AwsEndpointExtension.Source.MOTO
                ? inner -> wrap(inner, lock) : UnaryOperator.identity();
    }

    /** Writes one at a time in this JVM, whatever the endpoint (for a test that starts a moto of its own). */
    public static UnaryOperator<StateStore> always() {
        return SerializedWrites::wrap;
    }

    static StateStore wrap(StateStore inner) {
        return wrap(inner, LOCK);
    }

    /** A proxy, so it follows the port as it grows. */
    private static StateStore wrap(StateStore inner, Object lock) {
        InvocationHandler h = (proxy, method, args) -> {
            try {
                if (WRITES.contains(method.getName())) {
                    synchronized (lock) {
                        return method.invoke(inner, args);
                    }
                }
                return method.invoke(inner, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (StateStore) Proxy.newProxyInstance(StateStore.class.getClassLoader(),
                new Class<?>[] {StateStore.class}, h);
    }
}
