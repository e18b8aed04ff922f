package dev.sluice.cli;

/** The exit codes of every {@code sluice} command. */
public final class ExitCodes {
    /** Done; for {@code run}, the run succeeded. */
    public static final int OK = 0;
    /** The run (or backfill) finished, and failed. */
    public static final int RUN_FAILED = 1;
    /** Invalid input or usage: bad arguments, a missing or invalid file. Nothing was run. */
    public static final int INVALID = 2;

    private ExitCodes() {
    }
}
