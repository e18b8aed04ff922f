package dev.sluice.cli;

import dev.sluice.model.Dag;
import dev.sluice.model.Location;
import dev.sluice.model.Problem;
import dev.sluice.spec.DagLoader.LoadResult;
import dev.sluice.spec.Policy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sluice validate PATH... [--policy FILE]}: every problem as {@code file:line:col: error: message}. */
@Command(name = "validate",
        description = {"Check DAG files and folders; list every problem with its place.",
            "Each error and warning is one line: file:line:col: severity: message.",
            "A summary line follows.",
            "Exit 0 when there are no errors, 2 otherwise."})
final class ValidateCommand extends CliCommand {

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "DAG files (.yaml, .yml, .json) or folders.")
    List<Path> paths;

    @Option(names = "--policy", paramLabel = "FILE",
            description = "Integrity rules to check too (required tags, owners, retries).")
    Path policyFile;

    @Override
    protected int run() {
        Policy policy = loadPolicy();
        List<String> missing = DagFiles.missing(paths);
        missing.forEach(out()::println);
        List<Path> present = paths.stream().filter(Files::exists).toList();
        List<LoadResult> results = present.isEmpty() ? List.of() : DagFiles.load(present);
        if (results.isEmpty() && missing.isEmpty()) {
            throw CliException.invalid("no DAG files (*.yaml, *.yml, *.json) found in " + join(paths));
        }

        int errors = missing.size();
        int warnings = 0;
        int valid = 0;
        Map<String, String> firstFileOfDag = new HashMap<>();
        Map<String, PoolDeclaration> firstPool = new HashMap<>();
        for (LoadResult r : results) {
            List<Problem> problems = new ArrayList<>(r.problems());
            Dag dag = r.dag();
            if (dag != null) {
                problems.addAll(policy.check(dag));
                String other = firstFileOfDag.putIfAbsent(dag.dagId(), DagFiles.fileOf(r));
                if (other != null) {
                    problems.add(Problem.error(Location.of(DagFiles.fileOf(r)), "dag_id '" + dag.dagId()
                            + "' is also defined in " + other));
                }
                problems.addAll(poolConflicts(r, firstPool));
            }
            for (Problem p : problems) {
                out().println(p);
            }
            long e = problems.stream().filter(Problem::isError).count();
            errors += (int) e;
            warnings += problems.size() - (int) e;
            if (dag != null && e == 0) {
                valid++;
            }
        }
        out().println(summary(results.size(), valid, errors, warnings));
        return errors == 0 ? ExitCodes.OK : ExitCodes.INVALID;
    }

    /** Where a pool's size was first declared among the files checked. */
    private record PoolDeclaration(int size, String dagId, Location at) {
    }

    /** A pool declared with another size than in an earlier file: pools are shared, so one size (dag-spec.md). */
    private static List<Problem> poolConflicts(LoadResult r, Map<String, PoolDeclaration> first) {
        List<Problem> out = new ArrayList<>();
        Dag dag = r.dag();
        for (Map.Entry<String, Integer> p : dag.pools().entrySet()) {
            Location at = r.poolLocations().getOrDefault(p.getKey(), Location.of(DagFiles.fileOf(r)));
            PoolDeclaration earlier = first.putIfAbsent(p.getKey(), new PoolDeclaration(p.getValue(), dag.dagId(), at));
            if (earlier != null && earlier.size() != p.getValue()) {
                out.add(Problem.error(at, "pool '" + p.getKey() + "' is declared with size " + p.getValue()
                        + " here but " + earlier.size() + " in " + where(earlier.at()) + " (DAG " + earlier.dagId()
                        + "); a pool is shared by every DAG, so give it one size, or set it with 'sluice pools set "
                        + p.getKey() + " SIZE'"));
            }
        }
        return out;
    }

    private static String where(Location at) {
        return at.line() > 0 ? at.file() + ":" + at.line() : at.file();
    }

    private Policy loadPolicy() {
        if (policyFile == null) {
            return Policy.none();
        }
        if (!Files.exists(policyFile)) {
            throw CliException.invalid("policy file " + policyFile + ": no such file");
        }
        try {
            return Policy.load(policyFile);
        } catch (Policy.PolicyException e) {
            e.problems().forEach(err()::println);
            throw CliException.invalid("policy file " + policyFile + " is invalid");
        }
    }

    /** {@code 3 DAGs checked: 2 valid, 1 invalid (4 errors, 1 warning)}. */
    static String summary(int checked, int valid, int errors, int warnings) {
        StringBuilder s = new StringBuilder();
        s.append(plural(checked, "DAG")).append(" checked: ").append(valid).append(" valid, ")
                .append(checked - valid).append(" invalid");
        if (errors > 0 || warnings > 0) {
            s.append(" (").append(plural(errors, "error")).append(", ").append(plural(warnings, "warning"))
                    .append(')');
        }
        return s.toString();
    }

    private static String plural(int n, String word) {
        return n + " " + word + (n == 1 ? "" : "s");
    }

    private static String join(List<Path> paths) {
        return String.join(", ", paths.stream().map(Path::toString).toList());
    }
}
