package dev.sluice.functions.dags;

import dev.sluice.engine.Engine;
import dev.sluice.engine.EngineOptions;
import dev.sluice.engine.Json;
import dev.sluice.functions.obs.JsonLog;
import dev.sluice.model.Dag;
import dev.sluice.model.Problem;
import dev.sluice.spec.DagLoader;
import dev.sluice.store.StateStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The DAGs of a deployment. The current ones come from a {@link DagSource}, re-listed at most every
 * {@code refresh}; a file whose tag changed is read again, and a new content becomes a new version stored with
 * {@link StateStore#putDagVersion} (version = first 16 hex digits of the text's SHA-256, the record
 * {@code {"source":..,"text":..}} as the local runtime stores it). Runs are pinned to a version, and
 * {@link #pinned} finds it in memory or in the store. A file that no longer loads keeps its last good version.
 * Thread-safe.
 */
public final class DagRegistry {
    /** A DAG as currently deployed, with its version. */
    public record Current(Dag dag, String version) {
    }

    private record Loaded(String tag, Current current) {
    }

    private final StateStore store;
    private final DagSource source;
    private final Clock clock;
    private final Duration refresh;
    private final JsonLog log;
    private final Map<String, Loaded> byFile = new HashMap<>();
    private final Map<String, Dag> pinned = new ConcurrentHashMap<>();
    private final Map<String, Engine> engines = new ConcurrentHashMap<>();
    private List<Current> current = List.of();
    private Instant listedAt;

    /** @param source null when only pinned versions are needed (the task functions) */
    public DagRegistry(StateStore store, DagSource source, Clock clock, Duration refresh, JsonLog log) {
        this.store = store;
        this.source = source;
        this.clock = clock;
        this.refresh = refresh;
        this.log = log;
    }

    /** The deployed DAGs, refreshed from the source when the last listing is older than {@code refresh}. */
    public synchronized List<Current> current() {
        if (source == null) {
            return List.of();
        }
        Instant now = clock.instant();
        if (listedAt != null && now.isBefore(listedAt.plus(refresh))) {
            return current;
        }
        Map<String, Current> byId = new LinkedHashMap<>();
        List<DagSource.Entry> entries = source.list();
        Map<String, Loaded> seen = new HashMap<>();
        for (DagSource.Entry e : entries) {
            Loaded l = byFile.get(e.name());
            if (l == null || !l.tag().equals(e.tag())) {
                Current c = load(e);
                l = c != null ? new Loaded(e.tag(), c) : l == null ? null : new Loaded(e.tag(), l.current());
            }
            if (l == null) {
                continue;
            }
            seen.put(e.name(), l);
            Current prev = byId.putIfAbsent(l.current().dag().dagId(), l.current());
            if (prev != null) {
                log.warn("dag_duplicate_id", "dagId", prev.dag().dagId(), "file", source.location(e),
                        "message", "another file already defines this dag_id; this one is ignored");
            }
        }
        byFile.clear();
        byFile.putAll(seen);
        current = List.copyOf(byId.values());
        listedAt = now;
        return current;
    }

    public Optional<Current> current(String dagId) {
        return current().stream().filter(c -> c.dag().dagId().equals(dagId)).findFirst();
    }

    /** Forgets the last listing so the next {@link #current()} lists again (after uploading a DAG in tests). */
    public synchronized void invalidate() {
        listedAt = null;
    }

    /** The version a run is pinned to. */
    public Dag pinned(String dagId, String version) {
        String key = dagId + "#" + version;
        Dag d = pinned.get(key);
        if (d != null) {
            return d;
        }
        String stored = store.dagVersion(dagId, version).orElseThrow(() -> new IllegalStateException(
                "DAG version " + version + " of " + dagId + " is not in the store"));
        Map<?, ?> record = (Map<?, ?>) Json.toJava(stored);
        DagLoader.LoadResult r = DagLoader.loadString(String.valueOf(record.get("text")),
                String.valueOf(record.get("source")));
        if (r.dag() == null) {
            throw new IllegalStateException("the stored version " + version + " of " + dagId + " no longer loads: "
                    + describe(r.problems()));
        }
        pinned.put(key, r.dag());
        return r.dag();
    }

    /**
     * One engine per pinned version, bounded to {@code maxDispatchesPerDecision}, with ordered writes on: the
     * DynamoDB store writes a completion that changes only instances as single writes, at half a transaction's cost.
     */
    public Engine engine(Dag dag, String version, int maxDispatchesPerDecision) {
        return engines.computeIfAbsent(dag.dagId() + "#" + version,
                k -> new Engine(dag, EngineOptions.builder().maxDispatchesPerDecision(maxDispatchesPerDecision)
                        .orderedWrites(true).build()));
    }

    private Current load(DagSource.Entry e) {
        String where = source.location(e);
        String text;
        try {
            text = source.read(e);
        } catch (RuntimeException ex) {
            log.error("dag_unreadable", "file", where, "error", ex.getMessage());
            return null;
        }
        DagLoader.LoadResult r = DagLoader.loadString(text, e.name());
        if (r.dag() == null) {
            log.error("dag_invalid", "file", where, "error", describe(r.problems()));
            return null;
        }
        String version = version(text);
        Map<String, String> record = new LinkedHashMap<>();
        record.put("source", where);
        record.put("text", text);
        store.putDagVersion(r.dag().dagId(), version, Json.write(record));
        pinned.put(r.dag().dagId() + "#" + version, r.dag());
        log.info("dag_loaded", "dagId", r.dag().dagId(), "version", version, "file", where);
        return new Current(r.dag(), version);
    }

    /** The version id of a DAG text, as the local runtime computes it. */
    public static String version(String text) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8))).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String describe(List<Problem> problems) {
        List<String> lines = new ArrayList<>();
        for (Problem p : problems) {
            lines.add(p.toString());
        }
        return lines.stream().collect(Collectors.joining("; "));
    }
}
