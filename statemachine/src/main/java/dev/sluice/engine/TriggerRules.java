package dev.sluice.engine;

import dev.sluice.model.TriggerRule;

/**
 * Airflow's trigger-rule semantics (airflow/ti_deps/deps/trigger_rule_dep.py), from join counters alone.
 * Like Airflow, a rule first checks whether the instance can never run (and marks it skipped or upstream_failed
 * at once, without waiting for the other upstreams), then whether it may run now. The one_* rules fire as soon
 * as one matching upstream finishes.
 */
public final class TriggerRules {

    /** What to do with a not-yet-started instance. */
    public enum Verdict { WAIT, RUN, SKIP, UPSTREAM_FAILED }

    private TriggerRules() {
    }

    /**
     * @param total number of upstream instances, or -1 while a mapped upstream has not been expanded
     *              (then the upstreams are certainly not all done)
     */
    public static Verdict evaluate(TriggerRule rule, UpstreamCounts c, int total) {
        if (total == 0 || rule == TriggerRule.ALWAYS) {
            return Verdict.RUN;
        }
        int success = c.success();
        int skipped = c.skipped();
        int failed = c.failed();
        int upstreamFailed = c.upstreamFailed();
        int done = c.done();
        boolean allDone = total >= 0 && done >= total;

        // 1. Can it never run?
        switch (rule) {
            case ALL_SUCCESS -> {
                if (failed + upstreamFailed > 0) {
                    return Verdict.UPSTREAM_FAILED;
                }
                if (skipped > 0) {
                    return Verdict.SKIP;
                }
            }
            case ALL_FAILED -> {
                if (success + skipped > 0) {
                    return Verdict.SKIP;
                }
            }
            case ONE_SUCCESS -> {
                if (allDone && done == skipped) {
                    return Verdict.SKIP;
                }
                if (allDone && success <= 0) {
                    return Verdict.UPSTREAM_FAILED;
                }
            }
            case ONE_FAILED -> {
                if (allDone && failed + upstreamFailed == 0) {
                    return Verdict.SKIP;
                }
            }
            case ONE_DONE -> {
                if (allDone && failed + success == 0) {
                    return Verdict.SKIP;
                }
            }
            case NONE_FAILED -> {
                if (failed + upstreamFailed > 0) {
                    return Verdict.UPSTREAM_FAILED;
                }
            }
            case NONE_FAILED_MIN_ONE_SUCCESS -> {
                if (failed + upstreamFailed > 0) {
                    return Verdict.UPSTREAM_FAILED;
                }
                if (allDone && skipped == total) {
                    return Verdict.SKIP;
                }
            }
            case NONE_SKIPPED -> {
                if (skipped > 0) {
                    return Verdict.SKIP;
                }
            }
            case ALL_SKIPPED -> {
                if (success + failed + upstreamFailed > 0) {
                    return Verdict.SKIP;
                }
            }
            case ALL_DONE, ALWAYS -> {
                // never decided early
            }
        }

        // 2. May it run now?
        boolean run = switch (rule) {
            case ONE_SUCCESS -> success > 0;
            case ONE_FAILED -> failed + upstreamFailed > 0;
            case ONE_DONE -> success + failed > 0;
            case ALL_SUCCESS -> allDone && success + c.removed() >= total;
            case ALL_FAILED -> allDone && failed + upstreamFailed + c.removed() >= total;
            case ALL_SKIPPED -> allDone && skipped + c.removed() >= total;
            case ALL_DONE -> allDone;
            case NONE_FAILED, NONE_FAILED_MIN_ONE_SUCCESS -> allDone && success + skipped + c.removed() >= total;
            case NONE_SKIPPED -> allDone;
            case ALWAYS -> true;
        };
        return run ? Verdict.RUN : Verdict.WAIT;
    }
}
