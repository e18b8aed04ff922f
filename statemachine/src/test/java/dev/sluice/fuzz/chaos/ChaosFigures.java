package dev.sluice.fuzz.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one harness run measured. The targets: every run correct, and no try run twice, no lost transition, no
 * duplicate run.
 *
 * @param maxDetectCrashed longest time from a task's crash to the sweep finding its try
 * @param maxDetectLost    longest time from a try's claim (queued or running, never worked on) to the sweep
 * @param divergences      one report per incorrect run: the seed, the differences and the run's event history
 */
public record ChaosFigures(String store, long seed, int workers, int runsTotal, int runsCorrect, int triesRunTwice,
                           int lostTransitions, int duplicateRuns, Duration maxDetectCrashed, Duration maxDetectLost,
                           int tasks, int poisonSent, int poisonDeadLettered, int validDeadLettered,
                           List<String> unexpected, Map<String, Integer> counts, Duration simulated, boolean simTimeOut,
                           Duration wall, List<String> divergences) {

    /**
     * The figures of one workload run in batches (each batch its own harness and store, all with the same seed and
     * workers): counts add up, maxima are the largest, {@code simulated} is the longest batch and {@code wall} is
     * the given elapsed time of the whole.
     */
    public static ChaosFigures combine(String store, List<ChaosFigures> batches, Duration wall) {
        if (batches.isEmpty()) {
            throw new IllegalArgumentException("no batches");
        }
        ChaosFigures first = batches.get(0);
        int total = 0;
        int correct = 0;
        int twice = 0;
        int lost = 0;
        int dup = 0;
        int tasks = 0;
        int poisonSent = 0;
        int poisonDl = 0;
        int validDl = 0;
        Duration crash = Duration.ZERO;
        Duration lostDispatch = Duration.ZERO;
        Duration simulated = Duration.ZERO;
        boolean simTimeOut = false;
        List<String> unexpected = new ArrayList<>();
        List<String> divergences = new ArrayList<>();
        Map<String, Integer> counts = new TreeMap<>();
        for (ChaosFigures f : batches) {
            total += f.runsTotal;
            correct += f.runsCorrect;
            twice += f.triesRunTwice;
            lost += f.lostTransitions;
            dup += f.duplicateRuns;
            tasks += f.tasks;
            poisonSent += f.poisonSent;
            poisonDl += f.poisonDeadLettered;
            validDl += f.validDeadLettered;
            crash = crash.compareTo(f.maxDetectCrashed) >= 0 ? crash : f.maxDetectCrashed;
            lostDispatch = lostDispatch.compareTo(f.maxDetectLost) >= 0 ? lostDispatch : f.maxDetectLost;
            simulated = simulated.compareTo(f.simulated) >= 0 ? simulated : f.simulated;
            simTimeOut |= f.simTimeOut;
            unexpected.addAll(f.unexpected);
            divergences.addAll(f.divergences);
            f.counts.forEach((k, v) -> counts.merge(k, v, Integer::sum));
        }
        return new ChaosFigures(store, first.seed, first.workers, total, correct, twice, lost, dup, crash,
                lostDispatch, tasks, poisonSent, poisonDl, validDl, List.copyOf(unexpected), counts, simulated,
                simTimeOut, wall, List.copyOf(divergences));
    }

    public boolean onTarget() {
        return runsCorrect == runsTotal && triesRunTwice == 0 && lostTransitions == 0 && duplicateRuns == 0
                && poisonDeadLettered == poisonSent && validDeadLettered == 0 && unexpected.isEmpty() && !simTimeOut;
    }

    public String report() {
        StringBuilder b = new StringBuilder();
        b.append(String.format("== chaos harness: %s store, seed %d, %d workers, %d runs (%d task instances)%n",
                store, seed, workers, runsTotal, tasks));
        b.append(String.format("   runs correct / total:                  %d / %d (%.1f%%)%n", runsCorrect, runsTotal,
                runsTotal == 0 ? 0.0 : 100.0 * runsCorrect / runsTotal));
        b.append(String.format("   tries that ran concurrently twice:     %d%n", triesRunTwice));
        b.append(String.format("   lost transitions:                      %d%n", lostTransitions));
        b.append(String.format("   duplicate runs:                        %d%n", duplicateRuns));
        b.append(String.format("   max time to detect a lost task:        %s (crashed task), %s (dispatch lost)%n",
                fmt(maxDetectCrashed), fmt(maxDetectLost)));
        b.append(String.format("   poison messages dead-lettered / sent:  %d / %d; valid messages dead-lettered: %d%n",
                poisonDeadLettered, poisonSent, validDeadLettered));
        b.append(String.format("   simulated %s in %.1f s wall%s%n", fmt(simulated), wall.toMillis() / 1000.0,
                simTimeOut ? " (SIMULATION TIME LIMIT HIT)" : ""));
        b.append("   faults and events:");
        new TreeMap<>(counts).forEach((k, v) -> b.append(' ').append(k).append('=').append(v).append(';'));
        b.append('\n');
        unexpected.stream().limit(20).forEach(u -> b.append("   UNEXPECTED: ").append(u).append('\n'));
        divergences.stream().limit(3).forEach(d -> b.append(d).append('\n'));
        return b.toString();
    }

    private static String fmt(Duration d) {
        long s = d.toSeconds();
        return String.format("%dh%02dm%02ds", s / 3600, s / 60 % 60, s % 60);
    }
}
