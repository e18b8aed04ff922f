package dev.sluice.functions.devhost;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.zip.CRC32;

/**
 * The chain an invocation belongs to, as Lambda's recursive loop detection tracks it: the X-Ray trace header's
 * {@code Lineage} field counts, per function, how often the chain has invoked that function. The header travels
 * with what a function sends (an SQS message's {@code AWSTraceHeader}, an asynchronous invoke), and Lambda stops an
 * invocation that would be a function's 17th in one chain ({@link RecursiveLoop#MAX_INVOCATIONS}) unless the
 * function's {@code RecursiveLoop} is {@code Allow}.
 *
 * <p>The header reads {@code Root=1-<time>-<id>;Lineage=<function hash>:<count>|...}: a function is named by the
 * first 8 hex digits of its name's CRC-32, as Lambda names it by a hash. {@code sluice dev} writes and reads it.
 */
public record Lineage(String root, Map<String, Integer> counts) {
    public Lineage {
        counts = Map.copyOf(counts);
    }

    /** A new chain (a tick, an S3 event, a message sent from outside any invocation). */
    public static Lineage start() {
        String id = UUID.randomUUID().toString().replace("-", "");
        return new Lineage("1-" + Long.toHexString(System.currentTimeMillis() / 1000) + "-" + id.substring(0, 24),
                Map.of());
    }

    /** The lineage of a trace header; a missing or foreign header starts a new chain. */
    public static Lineage parse(String header) {
        if (header == null || header.isBlank()) {
            return start();
        }
        String root = null;
        Map<String, Integer> counts = new TreeMap<>();
        for (String field : header.split(";")) {
            int eq = field.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String key = field.substring(0, eq).strip();
            String value = field.substring(eq + 1).strip();
            if (key.equals("Root")) {
                root = value;
            } else if (key.equals("Lineage")) {
                for (String entry : value.split("\\|")) {
                    String[] parts = entry.split(":");
                    if (parts.length >= 2) {
                        try {
                            counts.merge(parts[parts.length - 2], Integer.parseInt(parts[parts.length - 1]),
                                    Math::max);
                        } catch (NumberFormatException ignored) {
                            // not a count: not ours to judge
                        }
                    }
                }
            }
        }
        return new Lineage(root == null ? start().root() : root, counts);
    }

    /** How often the chain has invoked {@code function}. */
    public int count(String function) {
        return counts.getOrDefault(hash(function), 0);
    }

    /** This chain after one more invocation of {@code function}. */
    public Lineage plus(String function) {
        Map<String, Integer> m = new TreeMap<>(counts);
        m.merge(hash(function), 1, Integer::sum);
        return new Lineage(root, m);
    }

    /** Both chains at once (an SQS batch of messages from several): the higher count of each function. */
    public Lineage merge(Lineage other) {
        Map<String, Integer> m = new TreeMap<>(counts);
        other.counts.forEach((k, v) -> m.merge(k, v, Math::max));
        return new Lineage(root, m);
    }

    public String header() {
        StringBuilder b = new StringBuilder("Root=").append(root);
        if (!counts.isEmpty()) {
            b.append(";Lineage=");
            new TreeMap<>(counts).forEach((k, v) -> b.append(b.charAt(b.length() - 1) == '=' ? "" : "|")
                    .append(k).append(':').append(v));
        }
        return b.toString();
    }

    static String hash(String function) {
        CRC32 crc = new CRC32();
        crc.update(function.getBytes(StandardCharsets.UTF_8));
        return String.format("%08x", crc.getValue());
    }

    // ------------------------------------------------------------------ the current invocation's chain

    private static final ThreadLocal<Lineage> CURRENT = new ThreadLocal<>();

    /** The trace header of the invocation this thread runs for, or null outside one (what our SQS sends carry). */
    public static String currentHeader() {
        Lineage l = CURRENT.get();
        return l == null ? null : l.header();
    }

    static Lineage current() {
        return CURRENT.get();
    }

    /** Runs {@code body} as an invocation of this chain: what it sends carries this lineage. */
    static void within(Lineage lineage, Runnable body) {
        Lineage before = CURRENT.get();
        CURRENT.set(lineage);
        try {
            body.run();
        } finally {
            if (before == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(before);
            }
        }
    }
}
