package dev.sluice.model;

/**
 * {@code on_failure}, {@code on_retry} and {@code on_success}. Each is a shell command or a handler class name
 * ({@code handler:com.example.Alert}); null when absent. Parsed and kept; acting on them is the runtime's job.
 */
public record Callbacks(String onFailure, String onRetry, String onSuccess) {
    public static final Callbacks NONE = new Callbacks(null, null, null);

    public boolean isEmpty() {
        return onFailure == null && onRetry == null && onSuccess == null;
    }
}
