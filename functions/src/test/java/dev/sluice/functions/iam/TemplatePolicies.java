package dev.sluice.functions.iam;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The IAM policy template.yaml gives each function, with its intrinsic functions resolved to concrete names and ARNs.
 * Each {@code AWS::Serverless::Function} must name its own {@code AWS::IAM::Role} ({@code Role: !GetAtt XRole.Arn})
 * whose inline policies are plain statements: SAM policy templates ({@code Policies:} on the function) and managed
 * policies are refused, since they grant what the template does not show.
 */
final class TemplatePolicies {
    /** One Allow or Deny statement, resolved. */
    record Statement(String function, String sid, String effect, List<String> actions, List<String> resources) {
        boolean allow() {
            return "Allow".equals(effect);
        }
    }

    /** Resolves {@code Ref} and {@code Fn::GetAtt} (and the references inside {@code Fn::Sub}) to strings. */
    interface Resolver {
        String ref(String name);

        String getAtt(String resource, String attribute);
    }

    private TemplatePolicies() {
    }

    /** Function logical id -> its statements, in template order. */
    static Map<String, List<Statement>> of(JsonNode template, Resolver resolver) {
        JsonNode resources = template.path("Resources");
        Map<String, List<Statement>> out = new LinkedHashMap<>();
        resources.fields().forEachRemaining(e -> {
            JsonNode fn = e.getValue();
            if (!"AWS::Serverless::Function".equals(fn.path("Type").asText())) {
                return;
            }
            String name = e.getKey();
            JsonNode props = fn.path("Properties");
            if (props.has("Policies")) {
                throw new AssertionError(name + " uses SAM Policies (policy templates or managed policies attached "
                        + "by SAM); give it a Role of exact statements instead");
            }
            JsonNode role = props.path("Role").path("Fn::GetAtt");
            if (!role.isArray() || !"Arn".equals(role.path(1).asText())) {
                throw new AssertionError(name + " has no Role: !GetAtt <Role>.Arn; SAM would generate one with "
                        + "AWSLambdaBasicExecutionRole (logs:* on *)");
            }
            JsonNode roleResource = resources.path(role.path(0).asText());
            if (!"AWS::IAM::Role".equals(roleResource.path("Type").asText())) {
                throw new AssertionError(name + "'s Role " + role.path(0).asText() + " is not an AWS::IAM::Role");
            }
            JsonNode rp = roleResource.path("Properties");
            if (rp.has("ManagedPolicyArns") || rp.has("PermissionsBoundary")) {
                throw new AssertionError(role.path(0).asText() + " attaches managed policies; use inline statements");
            }
            List<Statement> statements = new ArrayList<>();
            for (JsonNode policy : rp.path("Policies")) {
                for (JsonNode s : policy.path("PolicyDocument").path("Statement")) {
                    if (s.has("NotAction") || s.has("NotResource") || s.has("Condition")) {
                        throw new AssertionError(role.path(0).asText() + ": NotAction, NotResource and Condition "
                                + "are not checked by IamPolicyIT; add support before using them");
                    }
                    statements.add(new Statement(name, s.path("Sid").asText(""), s.path("Effect").asText(),
                            strings(s.path("Action"), resolver), strings(s.path("Resource"), resolver)));
                }
            }
            out.put(name, statements);
        });
        return out;
    }

    private static List<String> strings(JsonNode node, Resolver r) {
        List<String> out = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(n -> out.add(resolve(n, r)));
        } else if (!node.isMissingNode()) {
            out.add(resolve(node, r));
        }
        return out;
    }

    private static final Pattern SUB = Pattern.compile("\\$\\{([^}]+)}");

    static String resolve(JsonNode n, Resolver r) {
        if (n.isTextual()) {
            return n.asText();
        }
        if (n.has("Ref")) {
            return r.ref(n.get("Ref").asText());
        }
        if (n.has("Fn::GetAtt")) {
            JsonNode a = n.get("Fn::GetAtt");
            return r.getAtt(a.path(0).asText(), a.path(1).asText());
        }
        if (n.has("Fn::Sub")) {
            JsonNode sub = n.get("Fn::Sub");
            String text = sub.isTextual() ? sub.asText() : sub.path(0).asText();
            Map<String, String> vars = new LinkedHashMap<>();
            if (!sub.isTextual()) {
                sub.path(1).fields().forEachRemaining(v -> vars.put(v.getKey(), resolve(v.getValue(), r)));
            }
            return substitute(text, name -> {
                if (vars.containsKey(name)) {
                    return vars.get(name);
                }
                int dot = name.indexOf('.');
                return name.startsWith("AWS::") || dot < 0 ? r.ref(name)
                        : r.getAtt(name.substring(0, dot), name.substring(dot + 1));
            });
        }
        if (n.has("Fn::Select")) {
            JsonNode sel = n.get("Fn::Select");
            List<String> items = list(sel.path(1), r);
            return items.get(sel.path(0).asInt());
        }
        throw new AssertionError("cannot resolve " + n + " in a policy statement");
    }

    /** A list value: {@code Fn::Split} of a resolved string, or an array. */
    private static List<String> list(JsonNode n, Resolver r) {
        if (n.has("Fn::Split")) {
            JsonNode split = n.get("Fn::Split");
            return List.of(resolve(split.path(1), r).split(Pattern.quote(split.path(0).asText()), -1));
        }
        return strings(n, r);
    }

    private static String substitute(String text, Function<String, String> value) {
        Matcher m = SUB.matcher(text);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(b, Matcher.quoteReplacement(value.apply(m.group(1))));
        }
        m.appendTail(b);
        return b.toString();
    }
}
