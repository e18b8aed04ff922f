package dev.sluice.functions.iam;

import dev.sluice.functions.iam.TemplatePolicies.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Checks recorded calls against the template's statements statically, with IAM's evaluation: a call is allowed when
 * some Allow statement of its function matches its action (case-insensitive, {@code *} and {@code ?} wildcards) and
 * its resource ({@code *} and {@code ?}, case-sensitive), and no Deny statement does.
 */
final class PolicyCheck {
    /** One granted action on one resource pattern of one statement. */
    record Grant(String function, String sid, String action, String resource) {
        String key() {
            return function + "/" + sid + "/" + action;
        }

        @Override
        public String toString() {
            return function + " [" + sid + "] " + action + " on " + resource;
        }
    }

    private PolicyCheck() {
    }

    /** The calls no statement allows (or a statement denies), each with the reason. */
    static List<String> notAllowed(Map<String, List<Statement>> policies, Collection<IamCall> calls) {
        List<String> out = new ArrayList<>();
        for (IamCall c : calls) {
            List<Statement> own = policies.get(c.function());
            if (own == null) {
                out.add(c + ": no policy for " + c.function());
                continue;
            }
            boolean denied = own.stream().anyMatch(s -> !s.allow() && matches(s, c));
            boolean allowed = own.stream().anyMatch(s -> s.allow() && matches(s, c));
            if (denied || !allowed) {
                out.add(c + (denied ? ": denied by a statement" : ": no statement allows it"));
            }
        }
        return out.stream().distinct().toList();
    }

    /** Every (action, resource) an Allow statement grants, with whether some call used it. */
    static Map<Grant, Boolean> usage(Map<String, List<Statement>> policies, Collection<IamCall> calls) {
        Map<Grant, Boolean> out = new LinkedHashMap<>();
        policies.forEach((fn, statements) -> statements.stream().filter(Statement::allow).forEach(s -> {
            for (String a : s.actions()) {
                for (String r : s.resources()) {
                    Grant g = new Grant(fn, s.sid(), a, r);
                    boolean used = calls.stream().anyMatch(c -> c.function().equals(fn) && !c.denied()
                            && actionMatches(a, c.action()) && resourceMatches(r, c.resource()));
                    out.put(g, used);
                }
            }
        }));
        return out;
    }

    static boolean matches(Statement s, IamCall c) {
        return s.actions().stream().anyMatch(a -> actionMatches(a, c.action()))
                && s.resources().stream().anyMatch(r -> resourceMatches(r, c.resource()));
    }

    static boolean actionMatches(String pattern, String action) {
        return wildcard(pattern.toLowerCase(Locale.ROOT)).matcher(action.toLowerCase(Locale.ROOT)).matches();
    }

    static boolean resourceMatches(String pattern, String resource) {
        return wildcard(pattern).matcher(resource).matches();
    }

    private static Pattern wildcard(String glob) {
        StringBuilder b = new StringBuilder();
        for (char ch : glob.toCharArray()) {
            switch (ch) {
                case '*' -> b.append(".*");
                case '?' -> b.append('.');
                default -> b.append(Pattern.quote(String.valueOf(ch)));
            }
        }
        return Pattern.compile(b.toString(), Pattern.DOTALL);
    }
}
