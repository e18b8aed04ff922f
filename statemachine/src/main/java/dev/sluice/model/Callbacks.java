package dev.sluice.model;

/**
 * A task's callbacks ({@code on_failure}, {@code on_retry}, {@code on_success}, {@code on_sla_miss},
 * {@code on_execute}), or a DAG's (only {@code on_failure} and {@code on_success}, for the run). Each is a shell
 * command or a handler class name ({@code handler:com.example.Alert}); null when absent. The engine records each one
 * it fires as an {@link dev.sluice.engine.Effect} in the same write as the change that causes it; the runtimes run
 * the effects.
 */
public record Callbacks(String onFailure, String onRetry, String onSuccess, String onSlaMiss, String onExecute) {
    public static final Callbacks NONE = new Callbacks(null, null, null, null, null);

    /** The three callbacks a DAG of the first versions could set. */
    public Callbacks(String onFailure, String onRetry, String onSuccess) {
        this(onFailure, onRetry, onSuccess, null, null);
    }

    public boolean isEmpty() {
        return onFailure == null && onRetry == null && onSuccess == null && onSlaMiss == null && onExecute == null;
    }
}
