package dev.sluice.cli.exec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The processes of one command try, and how to stop all of them.
 *
 * <p>With {@code setsid} the shell is the leader of a new session and process group whose id is its pid, so a
 * signal to {@code -pid} reaches every process it started, even those orphaned when the shell died. Without
 * {@code setsid} (macOS), the fallback signals the shell and the descendants it still has; orphans may escape.
 */
final class ProcessTree {
    static final Path SETSID = Path.of("/usr/bin/setsid");
    private static final Path KILL = firstExisting(Path.of("/bin/kill"), Path.of("/usr/bin/kill"));

    private final Process process;
    private final boolean ownGroup;

    ProcessTree(Process process, boolean ownGroup) {
        this.process = process;
        this.ownGroup = ownGroup && KILL != null;
    }

    static boolean setsidAvailable() {
        return Files.isExecutable(SETSID) && KILL != null;
    }

    /**
     * SIGTERM to the whole group, up to {@code grace} for it to go, then SIGKILL. Returns within about
     * {@code grace}; the calling thread's interrupt flag is kept but does not cut the grace short.
     */
    void kill(Duration grace) {
        boolean interrupted = Thread.interrupted();
        try {
            List<ProcessHandle> members = new ArrayList<>();
            members.add(process.toHandle());
            process.descendants().forEach(members::add);
            signalGroup("TERM");
            members.forEach(ProcessHandle::destroy);
            long deadline = System.nanoTime() + grace.toNanos();
            while (System.nanoTime() < deadline && !(allGone(members) && !groupAlive())) {
                sleepQuietly(20);
            }
            if (!allGone(members) || groupAlive()) {
                signalGroup("KILL");
                members.forEach(ProcessHandle::destroyForcibly);
            }
            try {
                process.waitFor(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The process group id, when the command runs in its own group. */
    long groupId() {
        return process.pid();
    }

    private boolean groupAlive() {
        return ownGroup && groupRunning(process.pid());
    }

    /** True while a process of group {@code pgid} runs (zombies do not count). */
    static boolean groupRunning(long pgid) {
        Path proc = Path.of("/proc");
        if (!Files.isDirectory(proc.resolve("self"))) {
            return KILL != null && run(KILL.toString(), "-0", "--", "-" + pgid) == 0;
        }
        try (var dirs = Files.newDirectoryStream(proc)) {
            for (Path d : dirs) {
                String name = d.getFileName().toString();
                if (name.isEmpty() || !Character.isDigit(name.charAt(0))) {
                    continue;
                }
                String[] f = statFields(d.resolve("stat"));
                // fields after the command: state, ppid, pgrp
                if (f != null && f.length > 2 && !f[0].equals("Z") && !f[0].equals("X")
                        && f[2].equals(Long.toString(pgid))) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    private static String[] statFields(Path stat) {
        try {
            String s = Files.readString(stat, StandardCharsets.US_ASCII);
            int close = s.lastIndexOf(')');
            return close < 0 ? null : s.substring(close + 2).split(" ");
        } catch (IOException e) {
            return null;
        }
    }

    private void signalGroup(String signal) {
        if (ownGroup) {
            run(KILL.toString(), "-s", signal, "--", "-" + process.pid());
        }
    }

    private static int run(String... argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            while (true) {
                try {
                    return p.waitFor();
                } catch (InterruptedException e) {
                    // kill() restores the caller's flag; stopping the tree must finish regardless
                }
            }
        } catch (IOException e) {
            return -1;
        }
    }

    private static boolean allGone(List<ProcessHandle> members) {
        for (ProcessHandle h : members) {
            if (isRunning(h.pid())) {
                return false;
            }
        }
        return true;
    }

    /** Alive and not a zombie. A killed orphan can linger as a zombie when PID 1 does not reap (containers). */
    static boolean isRunning(long pid) {
        if (Files.isDirectory(Path.of("/proc/self"))) {
            String[] f = statFields(Path.of("/proc", Long.toString(pid), "stat"));
            return f != null && f.length > 0 && !f[0].equals("Z") && !f[0].equals("X");
        }
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            // the grace period is short and bounded; the flag is restored by kill()
        }
    }

    // ------------------------------------------------------- a group left by another process (see TryProcesses)

    /** The start time of {@code pid} in clock ticks since boot ({@code /proc/<pid>/stat} field 22), or -1. */
    static long startTime(long pid) {
        String[] f = statFields(Path.of("/proc", Long.toString(pid), "stat"));
        // statFields starts at field 3 (state), so field 22 is at index 19
        if (f == null || f.length < 20) {
            return -1;
        }
        try {
            return Long.parseLong(f[19]);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** This boot's id ({@code /proc/sys/kernel/random/boot_id}), or "" where there is none. */
    static String bootId() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/random/boot_id"), StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Ends process group {@code pgid}, which no {@link Process} of this JVM owns: SIGTERM, up to {@code grace} for
     * it to go, SIGKILL, then up to {@code afterKill} until no member is left. Returns whether the group is gone.
     */
    static boolean endGroup(long pgid, Duration grace, Duration afterKill) {
        if (KILL == null) {
            return !groupRunning(pgid);
        }
        run(KILL.toString(), "-s", "TERM", "--", "-" + pgid);
        if (awaitGroupGone(pgid, grace)) {
            return true;
        }
        run(KILL.toString(), "-s", "KILL", "--", "-" + pgid);
        return awaitGroupGone(pgid, afterKill);
    }

    private static boolean awaitGroupGone(long pgid, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (groupRunning(pgid)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            sleepQuietly(20);
        }
        return true;
    }

    private static Path firstExisting(Path... paths) {
        for (Path p : paths) {
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
