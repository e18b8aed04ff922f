package dev.sluice.engine;

import dev.sluice.state.TaskState;

/**
 * Join counters kept on each downstream task: how many upstream instances finished in each terminal state.
 * They let a completion be decided from the finished task's neighbourhood, without reading the whole run.
 */
public record UpstreamCounts(int success, int skipped, int failed, int upstreamFailed, int removed) {
    public static final UpstreamCounts ZERO = new UpstreamCounts(0, 0, 0, 0, 0);

    public int done() {
        return success + skipped + failed + upstreamFailed + removed;
    }

    /** Adds ({@code delta = 1}) or takes back ({@code delta = -1}) one upstream instance that ended in {@code state}. */
    public UpstreamCounts plus(TaskState state, int delta) {
        return switch (state) {
            case SUCCESS -> new UpstreamCounts(success + delta, skipped, failed, upstreamFailed, removed);
            case SKIPPED -> new UpstreamCounts(success, skipped + delta, failed, upstreamFailed, removed);
            case FAILED -> new UpstreamCounts(success, skipped, failed + delta, upstreamFailed, removed);
            case UPSTREAM_FAILED -> new UpstreamCounts(success, skipped, failed, upstreamFailed + delta, removed);
            case REMOVED -> new UpstreamCounts(success, skipped, failed, upstreamFailed, removed + delta);
            default -> throw new IllegalArgumentException("not a terminal state: " + state);
        };
    }
}
