package dev.sluice.spec;

import dev.sluice.engine.Json;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A pinned DAG version: everything the DAG was built from, so that a run resumes with exactly the tasks it started
 * with. The DAG's text and the content of every file it included ({@code foreach_file}); the version id hashes
 * them all, so editing an included file makes a new version. Stored as {@code {"source","text","files"}} by the
 * local runtime and the coordinator alike.
 *
 * <pre>{@code
 * DagVersionRecord v = DagVersionRecord.of(path.toString(), text, loadResult.included());
 * store.putDagVersion(dagId, v.version(), v.toJson());
 * DagLoader.LoadResult again = DagVersionRecord.parse(stored).load(SpecFiles.none());
 * }</pre>
 *
 * @param source where the DAG file was, for messages (a path or an s3:// address)
 * @param text   the DAG file's text
 * @param files  the included files' content by the name the DAG gives; null in a record written before versions
 *               held them, which then reads its included files from wherever {@link #load} is told
 */
public record DagVersionRecord(String source, String text, Map<String, String> files) {
    public DagVersionRecord {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(text, "text");
        files = files == null ? null : Map.copyOf(files);
    }

    /** The record of a DAG text and the files its load read. */
    public static DagVersionRecord of(String source, String text, List<IncludedFile> included) {
        Map<String, String> files = new LinkedHashMap<>();
        for (IncludedFile f : included) {
            files.put(f.name(), f.content());
        }
        return new DagVersionRecord(source, text, files);
    }

    /**
     * The version id: the first 16 hex digits of a SHA-256. A DAG that includes no file keeps the id of its text
     * alone (the id versions had before they held files); with included files, each name and content is hashed
     * too, length-prefixed and in name order.
     */
    public String version() {
        StringBuilder b = new StringBuilder(text);
        if (files != null && !files.isEmpty()) {
            for (Map.Entry<String, String> f : new TreeMap<>(files).entrySet()) {
                b.append('\0').append(f.getKey().length()).append(':').append(f.getKey())
                        .append('\0').append(f.getValue().length()).append(':').append(f.getValue());
            }
        }
        return sha256(b.toString()).substring(0, 16);
    }

    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", source);
        m.put("text", text);
        if (files != null) {
            m.put("files", new TreeMap<>(files));
        }
        return Json.write(m);
    }

    /** Reads a stored record, old ones (no {@code files}) included. */
    public static DagVersionRecord parse(String json) {
        if (!(Json.toJava(json) instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("a DAG version record is a JSON object");
        }
        Map<String, String> files = null;
        if (m.get("files") instanceof Map<?, ?> f) {
            files = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : f.entrySet()) {
                files.put(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
            }
        }
        return new DagVersionRecord(String.valueOf(m.get("source")), String.valueOf(m.get("text")), files);
    }

    /** Whether this record holds its included files (every record written since versions pin them). */
    public boolean holdsFiles() {
        return files != null;
    }

    /**
     * Loads the pinned DAG from this record alone. Only a record without {@code files} (written before versions
     * held them) reads its included files through {@code oldRecordFiles}.
     */
    public DagLoader.LoadResult load(SpecFiles oldRecordFiles) {
        return DagLoader.loadString(text, source, files != null ? SpecFiles.of(files) : oldRecordFiles);
    }

    private static String sha256(String s) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
