package dev.sluice.infra.store;

import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.services.dynamodb.model.ConsumedCapacity;

/**
 * Counts the request units a store uses, two ways: what the endpoint reported (ReturnConsumedCapacity=TOTAL; real
 * DynamoDB reports billing exactly, emulators often do not), and what DynamoDB bills by its published rules, computed
 * from the item sizes the store sent and received:
 * <ul>
 *   <li>write: 1 WCU per started KB of each item written (the new image), twice inside a transaction, plus the same
 *       for each write into, and 1 for each delete from, the GSI;</li>
 *   <li>read: 1 RCU per started 4 KB read strongly consistent (at least 1, also for a miss), half for the eventually
 *       consistent GSI; a query's units come from the sum of its items' sizes.</li>
 * </ul>
 */
public final class CapacityMeter {
    private final DoubleAdder reportedRead = new DoubleAdder();
    private final DoubleAdder reportedWrite = new DoubleAdder();
    private final DoubleAdder billedRead = new DoubleAdder();
    private final DoubleAdder billedWrite = new DoubleAdder();
    private final LongAdder requests = new LongAdder();

    /** A snapshot of the counts. */
    public record Units(double reportedRead, double reportedWrite, double billedRead, double billedWrite,
                        long requests) {
        public Units plus(Units o) {
            return new Units(reportedRead + o.reportedRead, reportedWrite + o.reportedWrite,
                    billedRead + o.billedRead, billedWrite + o.billedWrite, requests + o.requests);
        }

        public Units minus(Units o) {
            return new Units(reportedRead - o.reportedRead, reportedWrite - o.reportedWrite,
                    billedRead - o.billedRead, billedWrite - o.billedWrite, requests - o.requests);
        }
    }

    public Units snapshot() {
        return new Units(reportedRead.sum(), reportedWrite.sum(), billedRead.sum(), billedWrite.sum(),
                requests.sum());
    }

    void reportedRead(ConsumedCapacity c) {
        requests.increment();
        if (c != null && c.capacityUnits() != null) {
            reportedRead.add(c.capacityUnits());
        }
    }

    void reportedWrite(Iterable<ConsumedCapacity> cs) {
        requests.increment();
        if (cs != null) {
            for (ConsumedCapacity c : cs) {
                if (c != null && c.capacityUnits() != null) {
                    reportedWrite.add(c.capacityUnits());
                }
            }
        }
    }

    void billedItemWrite(int itemBytes, boolean transactional) {
        billedWrite.add(kb(itemBytes) * (transactional ? 2 : 1));
    }

    void billedIndexWrite(int itemBytes) {
        billedWrite.add(kb(itemBytes));
    }

    void billedIndexDelete() {
        billedWrite.add(1);
    }

    /** A strongly consistent point read or query page. */
    void billedRead(int bytes, boolean consistent) {
        double units = Math.max(1, Math.ceil(bytes / 4096.0));
        billedRead.add(consistent ? units : units / 2);
    }

    private static double kb(int bytes) {
        return Math.max(1, Math.ceil(bytes / 1024.0));
    }
}
