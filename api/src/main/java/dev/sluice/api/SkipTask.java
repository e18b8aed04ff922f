package dev.sluice.api;

/** Thrown by a task to end its try as {@code skipped}; skips propagate downstream as in Airflow. */
public class SkipTask extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SkipTask(String reason) {
        super(reason);
    }
}
