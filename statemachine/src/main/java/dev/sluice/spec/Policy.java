package dev.sluice.spec;

import dev.sluice.model.Dag;
import dev.sluice.model.Location;
import dev.sluice.model.Problem;
import dev.sluice.model.Problem.Severity;
import dev.sluice.model.TaskSpec;
import dev.sluice.spec.SpecTree.Field;
import dev.sluice.spec.SpecTree.MapNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * DAG integrity rules that an organisation adds on top of validity (the "DAG integrity tests" of Airflow
 * practice), read from an optional policy file:
 *
 * <pre>{@code
 * required_tags: [production]   # each missing tag is a finding
 * require_owner: true           # every task has an owner (its own or default_args)
 * min_retries: 1                # every task has retries >= 1
 * require_email: false          # default_args has an email
 * severity: error               # or warning; default error
 * severities: {required_tags: warning}
 * }</pre>
 *
 * {@code Policy.load(path).check(dag)} returns the findings; an empty list means the DAG complies.
 *
 * @param severities per-rule severity, overriding {@code severity}; keys are rule names
 */
public record Policy(List<String> requiredTags, boolean requireOwner, int minRetries, boolean requireEmail,
                     Severity severity, Map<String, Severity> severities) {
    public static final String REQUIRED_TAGS = "required_tags";
    public static final String REQUIRE_OWNER = "require_owner";
    public static final String MIN_RETRIES = "min_retries";
    public static final String REQUIRE_EMAIL = "require_email";
    public static final List<String> RULES = List.of(REQUIRED_TAGS, REQUIRE_OWNER, MIN_RETRIES, REQUIRE_EMAIL);
    private static final Set<String> FIELDS = Set.of(REQUIRED_TAGS, REQUIRE_OWNER, MIN_RETRIES, REQUIRE_EMAIL,
            "severity", "severities");

    public Policy {
        requiredTags = List.copyOf(requiredTags == null ? List.of() : requiredTags);
        severity = severity == null ? Severity.ERROR : severity;
        severities = Map.copyOf(severities == null ? Map.of() : severities);
        if (minRetries < 0) {
            throw new IllegalArgumentException("min_retries must be >= 0");
        }
    }

    /** A bad policy file: every problem, each with file:line:column. */
    public static final class PolicyException extends IllegalArgumentException {
        private final transient List<Problem> problems;

        public PolicyException(List<Problem> problems) {
            super(String.join("\n", problems.stream().map(Problem::toString).toList()));
            this.problems = List.copyOf(problems);
        }

        public List<Problem> problems() {
            return problems;
        }
    }

    /** The policy that checks nothing. */
    public static Policy none() {
        return new Policy(List.of(), false, 0, false, Severity.ERROR, Map.of());
    }

    /** @throws PolicyException when the file cannot be read or is not a valid policy */
    public static Policy load(Path file) {
        String content;
        try {
            content = Files.readString(file);
        } catch (IOException | RuntimeException e) {
            throw new PolicyException(List.of(Problem.error(Location.of(String.valueOf(file)),
                    "cannot read policy file: " + ReadErrors.describe(e))));
        }
        return parse(content, file.toString());
    }

    /** @throws PolicyException when {@code content} is not a valid policy */
    public static Policy parse(String content, String fileName) {
        SpecTree.Node root;
        try {
            root = SpecTree.parse(content, fileName, SpecTree.isJson(fileName, content));
        } catch (SpecTree.SyntaxError e) {
            throw new PolicyException(List.of(e.problem()));
        }
        List<Problem> problems = new ArrayList<>();
        Values v = new Values(problems);
        if (root instanceof SpecTree.Scalar s && s.value() == null) {
            return none();
        }
        if (!(root instanceof MapNode m)) {
            throw new PolicyException(List.of(Problem.error(root.at(), "a policy file must be a mapping, got "
                    + root.describe())));
        }
        v.unknownFields(m, FIELDS, "the policy");
        List<String> tags = v.strings(m.get(REQUIRED_TAGS), true);
        Boolean owner = v.bool(m.get(REQUIRE_OWNER));
        Integer retries = v.integer(m.get(MIN_RETRIES), 0, 1000);
        Boolean email = v.bool(m.get(REQUIRE_EMAIL));
        Severity severity = severity(m.get("severity"), v);
        Map<String, Severity> perRule = new LinkedHashMap<>();
        MapNode sev = v.map(m.get("severities"));
        if (sev != null) {
            v.unknownFields(sev, RULES, "severities");
            for (Field f : sev.fields().values()) {
                Severity s = severity(f, v);
                if (s != null && RULES.contains(f.key())) {
                    perRule.put(f.key(), s);
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new PolicyException(problems);
        }
        return new Policy(tags, Boolean.TRUE.equals(owner), retries == null ? 0 : retries, Boolean.TRUE.equals(email),
                severity, perRule);
    }

    private static Severity severity(Field f, Values v) {
        String s = v.string(f);
        if (s == null) {
            return null;
        }
        switch (s.strip().toLowerCase(Locale.ROOT)) {
            case "error":
                return Severity.ERROR;
            case "warning":
            case "warn":
                return Severity.WARNING;
            default:
                v.error(f.value().at(), f.key() + " must be 'error' or 'warning', got '" + s + "'");
                return null;
        }
    }

    public Severity severityOf(String rule) {
        return severities.getOrDefault(rule, severity);
    }

    /** The findings for {@code dag}, located at its source file; empty when it complies. */
    public List<Problem> check(Dag dag) {
        Location at = Location.of(dag.source());
        List<Problem> out = new ArrayList<>();
        for (String tag : requiredTags) {
            if (!dag.tags().contains(tag)) {
                out.add(finding(REQUIRED_TAGS, at, "DAG '" + dag.dagId() + "' is missing the required tag '" + tag
                        + "' (policy " + REQUIRED_TAGS + ")"));
            }
        }
        if (requireEmail && !hasEmail(dag.defaultArgs().get("email"))) {
            out.add(finding(REQUIRE_EMAIL, at, "DAG '" + dag.dagId() + "' has no email in default_args (policy "
                    + REQUIRE_EMAIL + ")"));
        }
        for (TaskSpec t : dag.tasks()) {
            if (requireOwner && (t.owner() == null || t.owner().isBlank())) {
                out.add(finding(REQUIRE_OWNER, at, "task '" + t.taskId() + "' has no owner; set owner on the task "
                        + "or in default_args (policy " + REQUIRE_OWNER + ")"));
            }
            if (t.retry().retries() < minRetries) {
                out.add(finding(MIN_RETRIES, at, "task '" + t.taskId() + "' has retries " + t.retry().retries()
                        + ", below the minimum of " + minRetries + " (policy " + MIN_RETRIES + ")"));
            }
        }
        return out;
    }

    private Problem finding(String rule, Location at, String message) {
        return new Problem(severityOf(rule), at, message);
    }

    private static boolean hasEmail(Object email) {
        if (email instanceof String s) {
            return !s.isBlank();
        }
        return email instanceof Collection<?> c && c.stream().anyMatch(e -> e instanceof String s && !s.isBlank());
    }
}
