package dev.sluice.cli.exec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Which process group runs a command try, recorded beside the try's log ({@code 3.log} has {@code 3.pid}) from its
 * start to its end, so that a later {@code sluice} process can tell whether the try outlived the process that
 * started it and end it before the try runs again. A command runs in its own session ({@code setsid}), so
 * {@code kill -9} of {@code sluice run} does not stop it; without this, {@code runs resume} would start a second copy
 * beside it.
 *
 * <p>The file holds the group id (the shell's pid), the shell's start time in clock ticks since boot
 * ({@code /proc/<pid>/stat} field 22) and the boot id. A group counts as the recorded one only on the same boot, and
 * only if its leader is gone or started at the recorded time: a pid that was reused since is never signalled.
 * (Linux does not reuse a pid while a process group of that id still has members.)
 */
final class TryProcesses {
    /** How long a group that got SIGKILL may take to disappear before the try is reported as stuck. */
    private static final Duration AFTER_KILL = Duration.ofSeconds(30);

    private TryProcesses() {
    }

    /** What a try's file says: group, leader start time (-1 unknown), boot id ("" unknown). */
    record Recorded(long pgid, long startTime, String bootId) {
        String line() {
            return pgid + " " + startTime + " " + (bootId.isEmpty() ? "-" : bootId) + "\n";
        }

        static Recorded parse(String text) {
            String[] f = text.strip().split(" ");
            if (f.length != 3) {
                return null;
            }
            try {
                return new Recorded(Long.parseLong(f[0]), Long.parseLong(f[1]), f[2].equals("-") ? "" : f[2]);
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }

    static Path fileFor(Path logFile) {
        String name = logFile.getFileName().toString();
        String base = name.endsWith(".log") ? name.substring(0, name.length() - 4) : name;
        return logFile.resolveSibling(base + ".pid");
    }

    /** Records that {@code pid} (a new session and group) runs the try logged in {@code logFile}. Best effort. */
    static void record(Path logFile, long pid) {
        Path file = fileFor(logFile);
        Recorded r = new Recorded(pid, ProcessTree.startTime(pid), ProcessTree.bootId());
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, r.line(), StandardCharsets.US_ASCII);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // The try still runs; only the protection against a crash of this process is lost.
        }
    }

    /** The try's processes are gone. */
    static void forget(Path logFile) {
        try {
            Files.deleteIfExists(fileFor(logFile));
        } catch (IOException e) {
            // a stale file is checked (and found gone) on the next resume
        }
    }

    /**
     * Ends every try recorded under {@code dir} whose processes still run, and forgets those that are gone. Called
     * only by the process that holds the run's lock, so every recorded try belongs to a process that stopped.
     *
     * @return for each try that was still running, its log file and a sentence saying what was done
     * @throws IllegalStateException when a group does not go away even after SIGKILL: the try is not started again
     */
    static Map<Path, String> endLeftovers(Path dir, Duration grace, Clock clock) {
        Map<Path, String> ended = new LinkedHashMap<>();
        if (!Files.isDirectory(dir)) {
            return ended;
        }
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".pid")).sorted().toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot look for tries left running under " + dir + ": " + e, e);
        }
        for (Path f : files) {
            Path log = f.resolveSibling(f.getFileName().toString().replaceAll("\\.pid$", ".log"));
            String what = endLeftover(log, grace, clock);
            if (what != null) {
                ended.put(log, what);
            }
        }
        return ended;
    }

    /** As {@link #endLeftovers}, for one try; null when nothing of it was running. */
    static String endLeftover(Path logFile, Duration grace, Clock clock) {
        Path file = fileFor(logFile);
        Recorded r;
        try {
            r = Files.exists(file) ? Recorded.parse(Files.readString(file, StandardCharsets.US_ASCII)) : null;
        } catch (IOException e) {
            r = null;
        }
        if (r == null || !isStillRunning(r)) {
            forget(logFile);
            return null;
        }
        boolean gone = ProcessTree.endGroup(r.pgid(), grace, AFTER_KILL);
        if (!gone) {
            throw new IllegalStateException("a try logged in " + logFile + " is still running in process group "
                    + r.pgid() + " and did not stop after SIGKILL; not starting a second copy of it");
        }
        String what = "its try was still running (process group " + r.pgid()
                + ", left by a sluice process that stopped); ended it before running it again";
        try (AttemptLog log = AttemptLog.open(logFile, clock)) {
            log.note(what);
        } catch (RuntimeException e) {
            // the progress line still says it
        }
        forget(logFile);
        return what;
    }

    private static boolean isStillRunning(Recorded r) {
        String boot = ProcessTree.bootId();
        if (!r.bootId().isEmpty() && !boot.isEmpty() && !boot.equals(r.bootId())) {
            return false; // recorded before a reboot: nothing of it survives
        }
        long leaderStart = ProcessTree.startTime(r.pgid());
        if (leaderStart >= 0 && r.startTime() >= 0 && leaderStart != r.startTime()) {
            return false; // the pid belongs to another process now
        }
        return ProcessTree.groupRunning(r.pgid());
    }
}
