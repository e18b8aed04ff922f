package dev.sluice.spec;

import dev.sluice.model.AlertRule;
import dev.sluice.model.Callbacks;
import dev.sluice.model.DagAlerts;
import dev.sluice.model.Deadline;
import dev.sluice.spec.SpecTree.Field;
import dev.sluice.spec.SpecTree.ListNode;
import dev.sluice.spec.SpecTree.MapNode;
import dev.sluice.spec.SpecTree.Node;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads a DAG's {@code on_failure}/{@code on_success}/{@code on_sla_miss}, {@code alerts:} and {@code deadline}. */
final class AlertsReader {
    static final List<String> DAG_FIELDS = List.of("on_failure", "on_success", "on_sla_miss", "alerts", "deadline");
    private static final Set<String> RULE_FIELDS = Set.of("when", "final_try_only", "severity", "to");
    private static final Set<String> DEADLINE_FIELDS = Set.of("reference", "interval");
    private static final Pattern WEBHOOK = Pattern.compile("https?://[A-Za-z0-9.\\[\\]:-]+(/\\S*)?");
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");
    private static final List<String> WHEN_NAMES = Arrays.stream(AlertRule.When.values())
            .map(AlertRule.When::yamlName).toList();

    private final Values v;
    private final TaskReader tasks;

    AlertsReader(Values v, TaskReader tasks) {
        this.v = v;
        this.tasks = tasks;
    }

    DagAlerts read(MapNode root) {
        Callbacks run = new Callbacks(tasks.callback(root.get("on_failure")), null,
                tasks.callback(root.get("on_success")), tasks.callback(root.get("on_sla_miss")), null);
        return new DagAlerts(run, rules(root.get("alerts")), deadline(root.get("deadline")));
    }

    private List<AlertRule> rules(Field f) {
        ListNode list = v.list(f);
        List<AlertRule> out = new ArrayList<>();
        if (list == null) {
            return out;
        }
        for (Node n : list.items()) {
            if (!(n instanceof MapNode m)) {
                v.error(n.at(), "alerts entries must be mappings with when and to, got " + n.describe());
                continue;
            }
            v.unknownFields(m, RULE_FIELDS, "alert");
            AlertRule r = rule(m);
            if (r != null) {
                out.add(r);
            }
        }
        return out;
    }

    private AlertRule rule(MapNode m) {
        List<String> whenNames = v.strings(m.get("when"), true);
        List<String> to = v.strings(m.get("to"), true);
        if (whenNames == null || whenNames.isEmpty()) {
            v.error(m.at(), "alert needs when: (one or more of " + String.join(", ", WHEN_NAMES) + ")");
            return null;
        }
        if (to == null || to.isEmpty()) {
            v.error(m.at(), "alert needs to: (sns, sns:NAME, webhook:URL or command:CMD)");
            return null;
        }
        EnumSet<AlertRule.When> when = EnumSet.noneOf(AlertRule.When.class);
        boolean ok = true;
        for (String w : whenNames) {
            int i = WHEN_NAMES.indexOf(w.strip());
            if (i < 0) {
                v.error(m.get("when").value().at(), "unknown alert event '" + w + "'" + dev.sluice.model.Names.hint(w,
                        WHEN_NAMES) + "; valid: " + String.join(", ", WHEN_NAMES));
                ok = false;
            } else {
                when.add(AlertRule.When.values()[i]);
            }
        }
        for (String t : to) {
            String why = targetProblem(t.strip());
            if (why != null) {
                v.error(m.get("to").value().at(), "alert target '" + t + "': " + why);
                ok = false;
            }
        }
        Boolean finalOnly = v.bool(m.get("final_try_only"));
        String severity = v.text(m.get("severity"));
        if (severity != null && !NAME.matcher(severity).matches()) {
            v.error(m.get("severity").value().at(), "severity '" + severity
                    + "' must be a lower-case name (letters, digits, - and _), such as critical or warning");
            ok = false;
        }
        return ok ? new AlertRule(when, finalOnly == null || finalOnly, severity,
                to.stream().map(String::strip).toList()) : null;
    }

    /** Why a target is not valid, or null. */
    static String targetProblem(String t) {
        if (t.equals("sns")) {
            return null;
        }
        if (t.startsWith("sns:")) {
            return NAME.matcher(t.substring(4)).matches() ? null
                    : "the topic name after sns: must be a lower-case name, such as critical";
        }
        if (t.startsWith("webhook:")) {
            return WEBHOOK.matcher(t.substring("webhook:".length())).matches() ? null
                    : "the webhook must be an http or https URL";
        }
        if (t.startsWith("command:")) {
            return t.substring("command:".length()).isBlank() ? "the command is empty" : null;
        }
        return "use sns, sns:NAME, webhook:URL or command:CMD";
    }

    private Deadline deadline(Field f) {
        MapNode m = v.map(f);
        if (m == null) {
            return null;
        }
        v.unknownFields(m, DEADLINE_FIELDS, "deadline");
        Duration interval = v.duration(m.get("interval"));
        String ref = v.text(m.get("reference"));
        Deadline.Reference reference = Deadline.Reference.LOGICAL_DATE;
        if (ref != null) {
            try {
                reference = Deadline.Reference.valueOf(ref.strip().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                v.error(m.get("reference").value().at(), "deadline reference '" + ref
                        + "' must be logical_date or run_start");
                return null;
            }
        }
        if (interval == null) {
            if (!m.has("interval")) {
                v.error(m.at(), "deadline needs an interval (for example interval: 2h)");
            }
            return null;
        }
        if (interval.isZero()) {
            v.error(m.get("interval").value().at(), "deadline interval must be positive");
            return null;
        }
        return new Deadline(reference, interval);
    }

}
