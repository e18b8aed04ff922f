package dev.sluice.functions.dags;

import dev.sluice.engine.Engine;
import dev.sluice.engine.EngineOptions;
import dev.sluice.functions.obs.JsonLog;
import dev.sluice.model.Dag;
import dev.sluice.model.Problem;
import dev.sluice.spec.DagLoader;
import dev.sluice.spec.DagVersionRecord;
import dev.sluice.spec.IncludedFile;
import dev.sluice.spec.SpecFiles;
import dev.sluice.store.StateStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The DAGs of a deployment. The current ones come from a {@link DagSource}, re-listed at most every
 * {@code refresh}; a file whose tag changed is read again, with the files it includes ({@code foreach_file}) read
 * from the same source next to it ({@link #filesNear}), and a new content becomes a new version stored with
 * {@link StateStore#putDagVersion} (a {@link DagVersionRecord}, as the local runtime stores it: the text and every
 * included file, all of them hashed into the version id). Files in the source that are not DAGs (data files that a
 * DAG includes) are skipped. Runs are pinned to a version, and {@link #pinned} finds it in memory or loads it from
 * its record alone. A file that no longer loads keeps its last good version; a file that does not load is
 * reported once per change of the listing, not at every listing. A request for a dag_id that the last listing
 * does not have lists again at once ({@link #current(String)}). Thread-safe.
 */
public final class DagRegistry {
    /** A DAG as currently deployed, with its version. */
    public record Current(Dag dag, String version) {
    }

    /**
     * A file as last read: a DAG, or a data file ({@code current} null), with the tag that each file it included
     * had in that listing (null for a file the listing does not show); a change to any of them reloads the DAG.
     */
    private record Loaded(String tag, Current current, Map<String, String> included,
                          Map<String, String> failedWith) {
        Loaded(String tag, Current current, Map<String, String> included) {
            this(tag, current, included, null);
        }

        /**
         * Read again when its tag or an included file's tag changed; a file that failed to load (and has no good
         * version) when anything in the listing changed, since a missing included file may have arrived. So a file
         * that does not load is reported once per change, not at every listing.
         */
        boolean stale(String tagNow, Map<String, String> tags) {
            if (failedWith != null) {
                return !failedWith.equals(tags);
            }
            return !tag.equals(tagNow) || included.entrySet().stream()
                    .anyMatch(i -> !java.util.Objects.equals(tags.get(i.getKey()), i.getValue()));
        }
    }

    /** How soon after a listing a request for an unknown dag_id may list again. */
    public static final Duration MISS_RELIST_AFTER = Duration.ofMillis(250);

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
        Map<String, String> fileOf = new HashMap<>();
        List<DagSource.Entry> entries = source.list();
        Map<String, String> tags = new HashMap<>();
        entries.forEach(e -> tags.put(e.name(), e.tag()));
        Map<String, Loaded> seen = new HashMap<>();
        for (DagSource.Entry e : entries) {
            Loaded l = byFile.get(e.name());
            if (l == null || l.stale(e.tag(), tags)) {
                Loaded fresh = load(e, tags);
                boolean keepGood = l != null && l.current() != null && (fresh == null || fresh.failedWith() != null);
                l = keepGood ? new Loaded(e.tag(), l.current(), l.included()) : fresh;
            }
            if (l != null) {
                seen.put(e.name(), l);
            }
        }
        java.util.Set<String> included = new java.util.HashSet<>();
        seen.values().forEach(l -> included.addAll(l.included().keySet()));
        for (DagSource.Entry e : entries) {
            Loaded l = seen.get(e.name());
            if (l == null || l.current() == null || included.contains(e.name())) {
                continue;
            }
            Current prev = byId.putIfAbsent(l.current().dag().dagId(), l.current());
            if (prev != null) {
                log.warn("dag_duplicate_id", "dagId", prev.dag().dagId(), "file", source.location(e),
                        "other", fileOf.get(prev.dag().dagId()),
                        "message", "another file already defines this dag_id; this one is ignored");
            } else {
                fileOf.put(l.current().dag().dagId(), source.location(e));
            }
        }
        byFile.clear();
        byFile.putAll(seen);
        current = List.copyOf(byId.values());
        listedAt = now;
        return current;
    }

    /**
     * The deployed DAG {@code dagId}. When the last listing does not have it, the source is listed again at once
     * (a DAG uploaded a moment ago is found by its first trigger), at most once every {@link #MISS_RELIST_AFTER}.
     */
    public synchronized Optional<Current> current(String dagId) {
        Optional<Current> found = find(current(), dagId);
        if (found.isPresent() || source == null || listedAt == null
                || clock.instant().isBefore(listedAt.plus(MISS_RELIST_AFTER))) {
            return found;
        }
        listedAt = null;
        return find(current(), dagId);
    }

    private static Optional<Current> find(List<Current> dags, String dagId) {
        return dags.stream().filter(c -> c.dag().dagId().equals(dagId)).findFirst();
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
        DagVersionRecord record = DagVersionRecord.parse(stored);
        // A record from before versions held their included files loads as it did then, with no files to read.
        DagLoader.LoadResult r = record.load(SpecFiles.none());
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

    /**
     * The DAG in {@code e} and what it included; a data file as a Loaded without a DAG; a file that does not load
     * as a Loaded without a DAG that remembers the listing it failed in; null when it cannot be read.
     */
    private Loaded load(DagSource.Entry e, Map<String, String> tags) {
        String where = source.location(e);
        String text;
        try {
            text = source.read(e);
        } catch (RuntimeException ex) {
            log.error("dag_unreadable", "file", where, "error", ex.getMessage());
            return null;
        }
        if (text != null && !DagLoader.looksLikeDag(text, e.name())) {
            return new Loaded(e.tag(), null, Map.of());
        }
        DagLoader.LoadResult r = DagLoader.loadString(text, e.name(), filesNear(source, e.name()));
        if (r.dag() == null) {
            log.error("dag_invalid", "file", where, "error", describe(r.problems()));
            return new Loaded(e.tag(), null, Map.of(), Map.copyOf(tags));
        }
        DagVersionRecord record = DagVersionRecord.of(where, text, r.included());
        String version = record.version();
        store.putDagVersion(r.dag().dagId(), version, record.toJson());
        pinned.put(r.dag().dagId() + "#" + version, r.dag());
        log.info("dag_loaded", "dagId", r.dag().dagId(), "version", version, "file", where);
        Map<String, String> keys = new HashMap<>();
        for (IncludedFile f : r.included()) {
            String key = keyNear(e.name(), f.name());
            keys.put(key, tags.get(key));
        }
        return new Loaded(e.tag(), new Current(r.dag(), version), keys);
    }

    /**
     * Reads the files a DAG includes from {@code source}, next to the DAG file {@code dagName}: {@code
     * config/tables.yaml} beside {@code dags/dynamic.yaml} is {@code dags/config/tables.yaml}. A name that is
     * absolute or climbs out of the DAG file's folder is refused.
     */
    public static SpecFiles filesNear(DagSource source, String dagName) {
        return name -> {
            String key;
            try {
                key = keyNear(dagName, name);
            } catch (IllegalArgumentException e) {
                throw new SpecFiles.Unreadable(e.getMessage());
            }
            DagSource.Entry entry = new DagSource.Entry(key, "");
            String text;
            try {
                text = source.read(entry);
            } catch (RuntimeException e) {
                throw new SpecFiles.Unreadable("cannot read " + source.location(entry) + ": " + e.getMessage());
            }
            if (text == null) {
                throw new SpecFiles.Unreadable("no file " + source.location(entry));
            }
            return text;
        };
    }

    /** The key of the included file {@code name} beside the DAG file {@code dagName}. */
    static String keyNear(String dagName, String name) {
        if (name.isEmpty() || name.startsWith("/") || name.contains("\\")) {
            throw new IllegalArgumentException("an included file is named relative to the DAG file, with /");
        }
        java.util.ArrayDeque<String> parts = new java.util.ArrayDeque<>();
        for (String p : name.split("/", -1)) {
            if (p.equals("..")) {
                if (parts.isEmpty()) {
                    throw new IllegalArgumentException("an included file must be in the DAG file's folder or below");
                }
                parts.removeLast();
            } else if (!p.isEmpty() && !p.equals(".")) {
                parts.addLast(p);
            }
        }
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("an included file needs a file name");
        }
        int slash = dagName.lastIndexOf('/');
        return (slash < 0 ? "" : dagName.substring(0, slash + 1)) + String.join("/", parts);
    }

    private static String describe(List<Problem> problems) {
        List<String> lines = new ArrayList<>();
        for (Problem p : problems) {
            lines.add(p.toString());
        }
        return lines.stream().collect(Collectors.joining("; "));
    }
}
