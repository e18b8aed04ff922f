package dev.sluice.cli;

/**
 * An error the user can act on: printed as one line {@code error: MESSAGE} (no stack trace), exiting with
 * {@link #exitCode()}. Throw it from any command.
 */
public class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int exitCode;

    public CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public CliException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    /** Invalid input (exit 2). */
    public static CliException invalid(String message) {
        return new CliException(ExitCodes.INVALID, message);
    }

    public int exitCode() {
        return exitCode;
    }
}
