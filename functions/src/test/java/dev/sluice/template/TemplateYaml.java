package dev.sluice.template;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Reads a CloudFormation / SAM YAML template into a tree, turning the short-form intrinsic tags into their long
 * form: {@code !Ref X} becomes {@code {"Ref": "X"}}, {@code !GetAtt A.B} becomes {@code {"Fn::GetAtt": ["A", "B"]}},
 * {@code !Sub ...} becomes {@code {"Fn::Sub": ...}} and so on. A plain YAML mapper would either reject the tags or
 * silently drop them; walking the parser's events keeps them.
 */
public final class TemplateYaml {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private TemplateYaml() {
    }

    public static JsonNode read(Path file) {
        try (YAMLParser parser = new YAMLFactory().createParser(file.toFile())) {
            if (parser.nextToken() == null) {
                throw new IllegalArgumentException(file + " is empty");
            }
            return value(parser);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** The value at the parser's current token, which starts it. Leaves the parser on the value's last token. */
    private static JsonNode value(YAMLParser p) throws IOException {
        String tag = p.getTypeId();   // the tag of the event that produced the current token, if any
        JsonNode value = switch (p.currentToken()) {
            case START_OBJECT -> {
                ObjectNode o = NODES.objectNode();
                while (p.nextToken() != JsonToken.END_OBJECT) {
                    String name = p.currentName();
                    p.nextToken();
                    o.set(name, value(p));
                }
                yield o;
            }
            case START_ARRAY -> {
                ArrayNode a = NODES.arrayNode();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    a.add(value(p));
                }
                yield a;
            }
            case VALUE_STRING -> NODES.textNode(p.getText());
            case VALUE_NUMBER_INT -> NODES.numberNode(p.getLongValue());
            case VALUE_NUMBER_FLOAT -> NODES.numberNode(p.getDecimalValue());
            case VALUE_TRUE -> NODES.booleanNode(true);
            case VALUE_FALSE -> NODES.booleanNode(false);
            case VALUE_NULL -> NODES.nullNode();
            default -> throw new IllegalStateException("unexpected " + p.currentToken() + " at "
                    + p.currentLocation());
        };
        return tag == null || tag.startsWith("tag:yaml.org") ? value : intrinsic(tag, value);
    }

    private static JsonNode intrinsic(String tag, JsonNode value) {
        ObjectNode o = NODES.objectNode();
        switch (tag) {
            case "Ref", "Condition" -> o.set(tag, value);
            case "GetAtt" -> {
                if (value.isTextual()) {
                    String s = value.asText();
                    int dot = s.indexOf('.');
                    ArrayNode parts = NODES.arrayNode();
                    parts.add(dot < 0 ? s : s.substring(0, dot));
                    if (dot >= 0) {
                        parts.add(s.substring(dot + 1));
                    }
                    o.set("Fn::GetAtt", parts);
                } else {
                    o.set("Fn::GetAtt", value);
                }
            }
            default -> o.set("Fn::" + tag, value);
        }
        return o;
    }
}
