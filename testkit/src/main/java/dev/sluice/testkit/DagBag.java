package dev.sluice.testkit;

import dev.sluice.model.Dag;
import dev.sluice.model.Location;
import dev.sluice.model.Problem;
import dev.sluice.spec.DagLoader.LoadResult;
import dev.sluice.spec.DiskDagLoader;
import dev.sluice.spec.Policy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every DAG of a folder, loaded as {@code sluice validate} loads them, for a DAG integrity test (Airflow's
 * {@code DagBag}):
 *
 * <pre>{@code
 * DagBag bag = DagBag.load(Path.of("dags"), Path.of("policy.yaml"));
 * bag.assertNoErrors();                       // every problem as file:line:col: error: message
 * assertThat(bag.dagIds()).contains("hello");
 * }</pre>
 *
 * A problem is a load or validation error, a rule of the policy file set to {@code error}, a {@code dag_id} defined
 * in two files, or a pool declared with two sizes. Warnings are kept apart ({@link #warnings()}).
 */
public final class DagBag {
    private final Map<String, Dag> dags;
    private final List<String> errors;
    private final List<String> warnings;

    private DagBag(Map<String, Dag> dags, List<String> errors, List<String> warnings) {
        this.dags = dags;
        this.errors = errors;
        this.warnings = warnings;
    }

    /** Loads every DAG file (*.yaml, *.yml, *.json) under {@code folder}, with no policy. */
    public static DagBag load(Path folder) {
        return load(folder, null);
    }

    /**
     * Loads every DAG file under {@code folder} and checks each DAG against {@code policyFile} too (null for none).
     *
     * @throws IllegalArgumentException when the folder or the policy file is missing, or the policy is invalid
     */
    public static DagBag load(Path folder, Path policyFile) {
        if (!Files.exists(folder)) {
            throw new IllegalArgumentException(folder + ": no such file or directory");
        }
        Policy policy = policy(policyFile);
        Map<String, Dag> dags = new LinkedHashMap<>();
        List<String> errors = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        Map<String, String> fileOfDag = new HashMap<>();
        Map<String, Integer> poolSize = new HashMap<>();
        Map<String, String> poolDag = new HashMap<>();
        for (LoadResult r : DiskDagLoader.loadAll(List.of(folder))) {
            List<Problem> problems = new ArrayList<>(r.problems());
            Dag dag = r.dag();
            if (dag != null) {
                problems.addAll(policy.check(dag));
                String file = dag.source() == null ? "<unknown>" : dag.source();
                String other = fileOfDag.putIfAbsent(dag.dagId(), file);
                if (other != null) {
                    problems.add(Problem.error(Location.of(file), "dag_id '" + dag.dagId()
                            + "' is also defined in " + other));
                }
                for (Map.Entry<String, Integer> p : dag.pools().entrySet()) {
                    Integer earlier = poolSize.putIfAbsent(p.getKey(), p.getValue());
                    poolDag.putIfAbsent(p.getKey(), dag.dagId());
                    if (earlier != null && !earlier.equals(p.getValue())) {
                        problems.add(Problem.error(r.poolLocations().getOrDefault(p.getKey(), Location.of(file)),
                                "pool '" + p.getKey() + "' is declared with size " + p.getValue() + " here but "
                                        + earlier + " in DAG " + poolDag.get(p.getKey())
                                        + "; a pool is shared by every DAG, so give it one size"));
                    }
                }
            }
            for (Problem p : problems) {
                (p.isError() ? errors : warnings).add(p.toString());
            }
            if (dag != null && problems.stream().noneMatch(Problem::isError)) {
                dags.putIfAbsent(dag.dagId(), dag);
            }
        }
        return new DagBag(dags, List.copyOf(errors), List.copyOf(warnings));
    }

    private static Policy policy(Path file) {
        if (file == null) {
            return Policy.none();
        }
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("policy file " + file + ": no such file");
        }
        try {
            return Policy.load(file);
        } catch (Policy.PolicyException e) {
            throw new IllegalArgumentException("policy file " + file + " is invalid:\n"
                    + String.join("\n", e.problems().stream().map(Problem::toString).toList()), e);
        }
    }

    /** The ids of the DAGs that loaded without errors, in file order. */
    public Set<String> dagIds() {
        return java.util.Collections.unmodifiableSet(dags.keySet());
    }

    /** A DAG that loaded without errors. */
    public Dag dag(String dagId) {
        Dag d = dags.get(dagId);
        if (d == null) {
            throw new IllegalArgumentException("no valid DAG '" + dagId + "' in this bag; valid: " + dags.keySet()
                    + (errors.isEmpty() ? "" : "; errors:\n" + String.join("\n", errors)));
        }
        return d;
    }

    /** Every error as {@code file:line:col: error: message}; empty when every DAG is sound. */
    public List<String> errors() {
        return errors;
    }

    public List<String> warnings() {
        return warnings;
    }

    /** Throws an {@link AssertionError} that lists every error, when there is one, or when no DAG was found. */
    public DagBag assertNoErrors() {
        if (!errors.isEmpty()) {
            throw new AssertionError(errors.size() + " DAG error" + (errors.size() == 1 ? "" : "s") + ":\n"
                    + String.join("\n", errors));
        }
        if (dags.isEmpty()) {
            throw new AssertionError("no DAG files (*.yaml, *.yml, *.json) found");
        }
        return this;
    }
}
