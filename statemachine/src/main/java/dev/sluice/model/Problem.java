package dev.sluice.model;

import java.util.Objects;

/** One validation finding, with where it was written. Errors make a DAG invalid; warnings do not. */
public record Problem(Severity severity, Location location, String message) {
    public enum Severity { ERROR, WARNING }

    public Problem {
        Objects.requireNonNull(severity, "severity");
        location = location == null ? Location.UNKNOWN : location;
        Objects.requireNonNull(message, "message");
    }

    public static Problem error(Location at, String message) {
        return new Problem(Severity.ERROR, at, message);
    }

    public static Problem warning(Location at, String message) {
        return new Problem(Severity.WARNING, at, message);
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    /** {@code file:line:col: error: message}, the format compilers use, so editors can jump to it. */
    @Override
    public String toString() {
        return location + ": " + severity.name().toLowerCase(java.util.Locale.ROOT) + ": " + message;
    }
}
