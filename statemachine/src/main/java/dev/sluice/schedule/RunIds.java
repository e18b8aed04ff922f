package dev.sluice.schedule;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Deterministic run ids. The same schedule interval, backfill date or S3 object always yields the same id, so
 * a repeated or replayed trigger event finds the existing run (a conditional put on the id) instead of creating
 * a second one.
 *
 * <p>A run id is Airflow's run id ({@code scheduled__2024-01-01T02:00:00Z}) prefixed with its DAG id and a dot,
 * so that it is unique across DAGs and every command can name a run with its id alone.
 *
 * <pre>{@code
 * RunIds.scheduled("etl", Instant.parse("2024-01-01T02:00:00Z"))  // "etl.scheduled__2024-01-01T02:00:00Z"
 * RunIds.manual("etl", now)                                       // "etl.manual__2024-05-03T10:15:00.123456Z"
 * RunIds.backfill("etl", logicalDate)                             // "etl.backfill__2024-01-01T00:00:00Z"
 * RunIds.s3("etl", "bucket", "raw/2024-01-01/a.parquet", seq)     // "etl.s3__9f86d081884c7d65"
 * RunIds.parse("etl.scheduled__2024-01-01T02:00:00Z").kind()      // Kind.SCHEDULED
 * }</pre>
 *
 * Timestamps are ISO-8601 in UTC with a {@code Z}: seconds precision for logical dates (scheduled, backfill), and
 * microseconds for manual triggers, as Airflow's {@code manual__} ids have, so that triggers in the same second are
 * separate runs. Every id matches {@link #VALID}.
 */
public final class RunIds {

    /** The characters a run id may use; colons are allowed (ISO timestamps). */
    public static final Pattern VALID = Pattern.compile("[A-Za-z0-9_.:+-]{1,320}");

    /** The separator between the kind prefix and the rest, as in Airflow. */
    public static final String SEPARATOR = "__";

    /** How a run was created; the id's prefix. */
    public enum Kind {
        SCHEDULED("scheduled"),
        MANUAL("manual"),
        BACKFILL("backfill"),
        S3("s3");

        private final String prefix;

        Kind(String prefix) {
            this.prefix = prefix;
        }

        /** The id prefix, without the {@code __} separator. */
        public String prefix() {
            return prefix;
        }

        /** True for kinds whose suffix is a timestamp. */
        public boolean hasTimestamp() {
            return this != S3;
        }
    }

    /** A parsed run id: its DAG, its kind, the part after {@code __}, and the timestamp if the kind has one. */
    public record ParsedRunId(String dagId, Kind kind, String suffix, Optional<Instant> timestamp) {
        /** The run id as Airflow would show it, without the DAG prefix: {@code scheduled__2024-01-01T02:00:00Z}. */
        public String airflowRunId() {
            return kind.prefix() + SEPARATOR + suffix;
        }
    }

    private RunIds() {
    }

    /** {@code <dag>.scheduled__<logical date>}. */
    public static String scheduled(String dagId, Instant logicalDate) {
        return dag(dagId) + Kind.SCHEDULED.prefix + SEPARATOR + iso(logicalDate);
    }

    /**
     * {@code <dag>.manual__<trigger time>}, to the microsecond ({@code 2024-05-03T10:15:00.123456Z}; a trigger time on
     * a whole second, such as a {@code --date}, keeps the short form {@code 2024-05-03T00:00:00Z}). The caller passes
     * the trigger time (the engine reads no clock).
     */
    public static String manual(String dagId, Instant triggeredAt) {
        Objects.requireNonNull(triggeredAt, "instant");
        Instant t = triggeredAt.truncatedTo(ChronoUnit.MICROS);
        String stamp = t.getNano() == 0 ? iso(t) : MICROS.format(t);
        return dag(dagId) + Kind.MANUAL.prefix + SEPARATOR + stamp;
    }

    private static final java.time.format.DateTimeFormatter MICROS = java.time.format.DateTimeFormatter
            .ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(java.time.ZoneOffset.UTC);

    /** {@code <dag>.backfill__<logical date>}. */
    public static String backfill(String dagId, Instant logicalDate) {
        return dag(dagId) + Kind.BACKFILL.prefix + SEPARATOR + iso(logicalDate);
    }

    private static String dag(String dagId) {
        Objects.requireNonNull(dagId, "dagId");
        if (dagId.isEmpty()) {
            throw new IllegalArgumentException("dagId must not be empty");
        }
        return dagId + ".";
    }

    /**
     * {@code s3__<first 16 hex digits of sha-256("bucket/key/sequencer")>}. The S3 event's {@code sequencer} tells
     * two writes of the same key apart, while a redelivered event for the same write maps to the same run.
     */
    public static String s3(String dagId, String bucket, String key, String sequencer) {
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(sequencer, "sequencer");
        return dag(dagId) + Kind.S3.prefix + SEPARATOR
                + sha256Hex(bucket + "/" + key + "/" + sequencer).substring(0, 16);
    }

    /** ISO-8601 UTC, seconds precision, {@code Z}: {@code 2024-01-01T02:00:00Z}. */
    public static String iso(Instant t) {
        Objects.requireNonNull(t, "instant");
        return t.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** True if {@code runId} uses only the allowed characters (any kind, including ids made elsewhere). */
    public static boolean isValid(String runId) {
        return runId != null && VALID.matcher(runId).matches();
    }

    /**
     * Reads a run id back.
     *
     * @throws IllegalArgumentException naming the id if it has no known prefix or a malformed suffix
     */
    public static ParsedRunId parse(String runId) {
        if (!isValid(runId)) {
            throw new IllegalArgumentException("invalid run id '" + runId + "': must match " + VALID.pattern());
        }
        int sep = runId.lastIndexOf(SEPARATOR);
        int dot = sep < 0 ? -1 : runId.lastIndexOf('.', sep);
        if (sep < 0 || dot <= 0) {
            throw new IllegalArgumentException("invalid run id '" + runId + "': expected <dag_id>.<kind>__<suffix>");
        }
        String dagId = runId.substring(0, dot);
        String prefix = runId.substring(dot + 1, sep).toLowerCase(Locale.ROOT);
        String suffix = runId.substring(sep + SEPARATOR.length());
        Kind kind = null;
        for (Kind k : Kind.values()) {
            if (k.prefix.equals(prefix)) {
                kind = k;
            }
        }
        if (kind == null) {
            throw new IllegalArgumentException("invalid run id '" + runId + "': unknown kind '" + prefix
                    + "', expected scheduled, manual, backfill or s3");
        }
        if (!kind.hasTimestamp()) {
            if (!suffix.matches("[0-9a-f]{16}")) {
                throw new IllegalArgumentException("invalid run id '" + runId + "': expected 16 hex digits after s3__");
            }
            return new ParsedRunId(dagId, kind, suffix, Optional.empty());
        }
        try {
            return new ParsedRunId(dagId, kind, suffix, Optional.of(Instant.parse(suffix)));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("invalid run id '" + runId + "': '" + suffix
                    + "' is not an ISO-8601 UTC timestamp such as 2024-01-01T02:00:00Z", e);
        }
    }

    /** The kind of {@code runId}; see {@link #parse}. */
    public static Kind kindOf(String runId) {
        return parse(runId).kind();
    }

    private static String sha256Hex(String s) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
