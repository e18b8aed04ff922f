package dev.sluice.template;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Evaluates the intrinsic functions of a template value ({@link TemplateYaml}'s long form) as CloudFormation would:
 * {@code Ref}, {@code Fn::Sub} (both forms), {@code Fn::Select}, {@code Fn::Split} and {@code Fn::Join}, with the
 * values of references given by the test. A reference the test did not give fails, so nothing is guessed.
 */
public final class TemplateValues {
    /** A stack id as CloudFormation makes them; its first UUID group is {@value #STACK_ID_PART}. */
    public static final String STACK_ID =
            "arn:aws:cloudformation:us-east-1:123456789012:stack/sluice-test/0a1b2c3d-da77-11e4-872e-1234567db123";
    public static final String STACK_ID_PART = "0a1b2c3d";
    private static final Pattern VAR = Pattern.compile("\\$\\{([^}!]+)}");

    private final Map<String, String> refs;

    /** @param refs logical ids and pseudo parameters -> their values; AWS::StackId, Partition, Region, AccountId default */
    public TemplateValues(Map<String, String> refs) {
        Map<String, String> all = new HashMap<>(Map.of("AWS::StackId", STACK_ID, "AWS::Partition", "aws",
                "AWS::Region", "us-east-1", "AWS::AccountId", "123456789012", "AWS::URLSuffix", "amazonaws.com"));
        all.putAll(refs);
        this.refs = Map.copyOf(all);
    }

    public String string(JsonNode v) {
        List<String> l = evaluate(v);
        if (l.size() != 1) {
            throw new IllegalArgumentException("not a single string: " + v);
        }
        return l.get(0);
    }

    private List<String> evaluate(JsonNode v) {
        if (v.isValueNode()) {
            return List.of(v.asText());
        }
        if (v.isArray()) {
            List<String> out = new ArrayList<>();
            v.forEach(e -> out.add(string(e)));
            return out;
        }
        if (v.has("Ref")) {
            return List.of(ref(v.get("Ref").asText()));
        }
        if (v.has("Fn::Sub")) {
            JsonNode sub = v.get("Fn::Sub");
            Map<String, String> vars = new HashMap<>();
            String text;
            if (sub.isArray()) {
                text = sub.get(0).asText();
                sub.get(1).fields().forEachRemaining(e -> vars.put(e.getKey(), string(e.getValue())));
            } else {
                text = sub.asText();
            }
            Matcher m = VAR.matcher(text);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                String name = m.group(1);
                m.appendReplacement(out, Matcher.quoteReplacement(vars.containsKey(name) ? vars.get(name) : ref(name)));
            }
            m.appendTail(out);
            return List.of(out.toString());
        }
        if (v.has("Fn::Select")) {
            JsonNode a = v.get("Fn::Select");
            return List.of(evaluate(a.get(1)).get(Integer.parseInt(string(a.get(0)))));
        }
        if (v.has("Fn::Split")) {
            JsonNode a = v.get("Fn::Split");
            return List.of(string(a.get(1)).split(Pattern.quote(a.get(0).asText()), -1));
        }
        if (v.has("Fn::Join")) {
            JsonNode a = v.get("Fn::Join");
            return List.of(String.join(a.get(0).asText(), evaluate(a.get(1))));
        }
        throw new IllegalArgumentException("cannot evaluate " + v);
    }

    private String ref(String name) {
        String value = refs.get(name);
        if (value == null) {
            throw new IllegalArgumentException("no value for reference " + name);
        }
        return value;
    }
}
