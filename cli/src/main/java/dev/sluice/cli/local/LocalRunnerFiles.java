package dev.sluice.cli.local;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Where the local runtime keeps files, for the runner and for commands that read them back.
 *
 * <p>Every id that {@code validate} accepts (up to 250 characters) and every run id (up to 320) must give a path the
 * file system takes, and two different tasks must never share a log file, so:
 * <ul>
 *   <li>a name segment longer than {@link #MAX_SEGMENT} characters keeps its first part and ends with a hash of the
 *       whole name (most file systems allow 255 bytes per name);</li>
 *   <li>a mapped task's tries live one level deeper, in {@code map_index=<n>}: a task id holds no {@code =}, so a
 *       mapped task {@code a} (index 0) and a task {@code a.0} stay apart.</li>
 * </ul>
 */
public final class LocalRunnerFiles {
    /** The longest name segment written as is; longer ones are shortened with a hash. */
    static final int MAX_SEGMENT = 200;

    private LocalRunnerFiles() {
    }

    /** {@code <logs>/<dag>/<run>/<task>[/map_index=<n>]/<try>.log}. */
    public static Path logFile(Path logsDir, String dagId, String runId, String taskId, int mapIndex, int tryNumber) {
        Path task = logsDir.resolve(segment(dagId)).resolve(segment(runId.replace(':', '_'))).resolve(segment(taskId));
        return (mapIndex < 0 ? task : task.resolve("map_index=" + mapIndex)).resolve(tryNumber + ".log");
    }

    /**
     * {@code name} as one file name: characters other than {@code [A-Za-z0-9_.=-]} become {@code _}, and a name
     * that would be longer than {@link #MAX_SEGMENT} (or that had characters replaced) ends with a hash of the
     * original, so two names never share a segment.
     */
    public static String segment(String name) {
        String safe = name.replaceAll("[^A-Za-z0-9_.=-]", "_");
        if (safe.equals(name) && safe.length() <= MAX_SEGMENT && !safe.equals(".") && !safe.equals("..")) {
            return safe;
        }
        String hash = sha256(name).substring(0, 16);
        String head = safe.length() > MAX_SEGMENT - 17 ? safe.substring(0, MAX_SEGMENT - 17) : safe;
        return head + "~" + hash;
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
