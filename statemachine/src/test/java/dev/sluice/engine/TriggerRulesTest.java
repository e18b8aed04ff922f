package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.engine.TriggerRules.Verdict;
import dev.sluice.model.TriggerRule;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Airflow's outcomes for each rule, from trigger_rule_dep.py. Columns: rule, success, skipped, failed,
 * upstream_failed, total upstreams (-1 = a mapped upstream not yet expanded), expected verdict.
 */
class TriggerRulesTest {

    @ParameterizedTest(name = "{0} s={1} sk={2} f={3} uf={4} of {5} -> {6}")
    @CsvSource({
            // all_success: fails fast on any failure, skips on any skip, runs when all succeeded
            "ALL_SUCCESS, 2, 0, 0, 0, 2, RUN",
            "ALL_SUCCESS, 1, 0, 0, 0, 2, WAIT",
            "ALL_SUCCESS, 0, 0, 1, 0, 3, UPSTREAM_FAILED",
            "ALL_SUCCESS, 0, 0, 0, 1, 3, UPSTREAM_FAILED",
            "ALL_SUCCESS, 1, 1, 0, 0, 3, SKIP",
            "ALL_SUCCESS, 0, 1, 1, 0, 3, UPSTREAM_FAILED",
            "ALL_SUCCESS, 2, 0, 0, 0, -1, WAIT",
            // all_failed
            "ALL_FAILED, 0, 0, 2, 0, 2, RUN",
            "ALL_FAILED, 0, 0, 1, 1, 2, RUN",
            "ALL_FAILED, 0, 0, 1, 0, 2, WAIT",
            "ALL_FAILED, 1, 0, 1, 0, 3, SKIP",
            "ALL_FAILED, 0, 1, 0, 0, 3, SKIP",
            // all_done
            "ALL_DONE, 1, 1, 1, 0, 3, RUN",
            "ALL_DONE, 1, 1, 0, 0, 3, WAIT",
            "ALL_DONE, 0, 0, 0, 2, 2, RUN",
            // all_skipped
            "ALL_SKIPPED, 0, 2, 0, 0, 2, RUN",
            "ALL_SKIPPED, 0, 1, 0, 0, 2, WAIT",
            "ALL_SKIPPED, 1, 0, 0, 0, 2, SKIP",
            "ALL_SKIPPED, 0, 0, 0, 1, 2, SKIP",
            // one_success: fires on the first success; skipped if all skipped; upstream_failed if none succeeded
            "ONE_SUCCESS, 1, 0, 0, 0, 5, RUN",
            "ONE_SUCCESS, 0, 0, 1, 0, 5, WAIT",
            "ONE_SUCCESS, 0, 2, 0, 0, 2, SKIP",
            "ONE_SUCCESS, 0, 1, 1, 0, 2, UPSTREAM_FAILED",
            "ONE_SUCCESS, 1, 0, 0, 0, -1, RUN",
            // one_failed
            "ONE_FAILED, 0, 0, 1, 0, 5, RUN",
            "ONE_FAILED, 0, 0, 0, 1, 5, RUN",
            "ONE_FAILED, 3, 0, 0, 0, 5, WAIT",
            "ONE_FAILED, 3, 2, 0, 0, 5, SKIP",
            // one_done
            "ONE_DONE, 1, 0, 0, 0, 4, RUN",
            "ONE_DONE, 0, 0, 1, 0, 4, RUN",
            "ONE_DONE, 0, 1, 0, 0, 4, WAIT",
            "ONE_DONE, 0, 2, 0, 2, 4, SKIP",
            // none_failed: skips count as fine
            "NONE_FAILED, 1, 1, 0, 0, 2, RUN",
            "NONE_FAILED, 0, 2, 0, 0, 2, RUN",
            "NONE_FAILED, 1, 0, 0, 0, 2, WAIT",
            "NONE_FAILED, 0, 0, 1, 0, 2, UPSTREAM_FAILED",
            "NONE_FAILED, 0, 0, 0, 1, 2, UPSTREAM_FAILED",
            // none_failed_min_one_success: like none_failed, but all-skipped skips
            "NONE_FAILED_MIN_ONE_SUCCESS, 1, 1, 0, 0, 2, RUN",
            "NONE_FAILED_MIN_ONE_SUCCESS, 0, 2, 0, 0, 2, SKIP",
            "NONE_FAILED_MIN_ONE_SUCCESS, 0, 1, 0, 0, 2, WAIT",
            "NONE_FAILED_MIN_ONE_SUCCESS, 1, 0, 1, 0, 3, UPSTREAM_FAILED",
            // none_skipped: failures are fine, a skip skips
            "NONE_SKIPPED, 1, 0, 1, 0, 2, RUN",
            "NONE_SKIPPED, 0, 0, 0, 2, 2, RUN",
            "NONE_SKIPPED, 1, 0, 0, 0, 2, WAIT",
            "NONE_SKIPPED, 0, 1, 0, 0, 3, SKIP",
            // always: never waits
            "ALWAYS, 0, 0, 0, 0, 3, RUN",
            "ALWAYS, 0, 0, 1, 0, -1, RUN",
    })
    void airflowOutcomes(TriggerRule rule, int success, int skipped, int failed, int upstreamFailed, int total,
                         Verdict expected) {
        UpstreamCounts c = new UpstreamCounts(success, skipped, failed, upstreamFailed, 0);
        assertThat(TriggerRules.evaluate(rule, c, total)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"ALL_SUCCESS", "ALL_FAILED", "ALL_DONE", "ALL_SKIPPED", "ONE_SUCCESS", "ONE_FAILED", "ONE_DONE",
            "NONE_FAILED", "NONE_FAILED_MIN_ONE_SUCCESS", "NONE_SKIPPED", "ALWAYS"})
    void tasksWithoutUpstreamsRunWhateverTheRule(TriggerRule rule) {
        assertThat(TriggerRules.evaluate(rule, UpstreamCounts.ZERO, 0)).isEqualTo(Verdict.RUN);
    }
}
