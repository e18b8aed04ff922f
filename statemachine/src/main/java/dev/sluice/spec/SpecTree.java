package dev.sluice.spec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.sluice.model.Location;
import dev.sluice.model.Problem;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * A YAML/JSON document as a small tree whose every node and key remembers its file:line:column.
 * Jackson's own tree ({@code JsonNode}) drops locations, so the loader reads tokens into this instead.
 */
final class SpecTree {
    /** Deeper nesting than this is certainly not a DAG; refusing it keeps the reader's recursion bounded. */
    static final int MAX_DEPTH = 64;

    private static final YAMLFactory YAML = YAMLFactory.builder().build();
    private static final JsonFactory JSON = JsonFactory.builder().build();

    private SpecTree() {
    }

    sealed interface Node {
        Location at();

        /** "a mapping", "a list", "the string 'x'", ... for type errors. */
        String describe();
    }

    record Field(String key, Location keyAt, Node value) {
    }

    record MapNode(Location at, Map<String, Field> fields) implements Node {
        MapNode {
            fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        }

        Field get(String key) {
            return fields.get(key);
        }

        boolean has(String key) {
            return fields.containsKey(key);
        }

        @Override
        public String describe() {
            return "a mapping";
        }
    }

    record ListNode(Location at, List<Node> items) implements Node {
        ListNode {
            items = List.copyOf(items);
        }

        @Override
        public String describe() {
            return "a list";
        }
    }

    /** value is a String, Boolean, Integer, Long, BigInteger, Double, BigDecimal, or null. */
    record Scalar(Location at, Object value) implements Node {
        @Override
        public String describe() {
            if (value == null) {
                return "null";
            } else if (value instanceof String s) {
                String shown = s.length() > 60 ? s.substring(0, 60) + "..." : s;
                return "the string '" + shown + "'";
            } else if (value instanceof Boolean) {
                return "the boolean " + value;
            }
            String n = value.toString();
            return "the number " + (n.length() > 40 ? n.substring(0, 40) + "..." : n);
        }
    }

    /** The document could not be read at all (syntax error, several documents, too deep). */
    static final class SyntaxError extends Exception {
        private final transient Problem problem;

        SyntaxError(Problem problem) {
            super(problem.toString());
            this.problem = problem;
        }

        Problem problem() {
            return problem;
        }
    }

    static boolean isJson(String fileName, String content) {
        String f = fileName == null ? "" : fileName.toLowerCase(java.util.Locale.ROOT);
        if (f.endsWith(".json")) {
            return true;
        }
        if (f.endsWith(".yaml") || f.endsWith(".yml")) {
            return false;
        }
        String t = content.stripLeading();
        return t.startsWith("{") && !t.contains("\n-") && t.stripTrailing().endsWith("}");
    }

    /** Reads one document; an empty document gives a null scalar. Fatal problems throw. */
    static Node parse(String content, String fileName, boolean json) throws SyntaxError {
        List<Problem> problems = new ArrayList<>();
        Node n = parse(content, fileName, json, problems);
        if (!problems.isEmpty()) {
            throw new SyntaxError(problems.get(0));
        }
        return n;
    }

    /**
     * Reads one document; an empty document gives a null scalar. Duplicate keys go to {@code problems} (the first
     * value is kept); anything that stops reading throws.
     */
    static Node parse(String content, String fileName, boolean json, List<Problem> problems) throws SyntaxError {
        JsonFactory factory = json ? JSON : YAML;
        try (JsonParser p = factory.createParser(content)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                return new Scalar(new Location(fileName, 1, 1), null);
            }
            Node root = read(p, fileName, 0, problems);
            JsonToken extra = p.nextToken();
            if (extra != null) {
                throw new SyntaxError(Problem.error(at(p, fileName),
                        "a file holds one DAG, but this one has more than one document"));
            }
            return root;
        } catch (JsonProcessingException e) {
            if (e.getCause() instanceof MarkedYAMLException y && y.getProblemMark() != null) {
                Mark m = y.getProblemMark();
                String context = y.getContext() == null ? "" : " (" + y.getContext()
                        + (y.getContextMark() == null ? "" : " that starts at line " + (y.getContextMark().getLine() + 1)
                        + ", column " + (y.getContextMark().getColumn() + 1)) + ")";
                throw new SyntaxError(Problem.error(new Location(fileName, m.getLine() + 1, m.getColumn() + 1),
                        "malformed YAML: " + compact(y.getProblem()) + context));
            }
            throw new SyntaxError(Problem.error(at(e.getLocation(), fileName), (json ? "malformed JSON: "
                    : "malformed YAML: ") + compact(e.getOriginalMessage())));
        } catch (IOException e) {
            throw new SyntaxError(Problem.error(Location.of(fileName), "cannot read: " + e.getMessage()));
        }
    }

    private static Node read(JsonParser p, String file, int depth, List<Problem> problems)
            throws IOException, SyntaxError {
        Location at = at(p, file);
        if (depth > MAX_DEPTH) {
            throw new SyntaxError(Problem.error(at, "nesting is deeper than " + MAX_DEPTH + " levels"));
        }
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT: {
                Map<String, Field> fields = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    Location keyAt = at(p, file);
                    p.nextToken();
                    Node value = read(p, file, depth + 1, problems);
                    Field prev = fields.putIfAbsent(key, new Field(key, keyAt, value));
                    if (prev != null) {
                        problems.add(Problem.error(keyAt, "duplicate key '" + key + "' (first at line "
                                + prev.keyAt().line() + ")"));
                    }
                }
                return new MapNode(at, fields);
            }
            case START_ARRAY: {
                List<Node> items = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    items.add(read(p, file, depth + 1, problems));
                }
                return new ListNode(at, items);
            }
            case VALUE_STRING:
                return new Scalar(at, p.getText());
            case VALUE_TRUE:
                return new Scalar(at, Boolean.TRUE);
            case VALUE_FALSE:
                return new Scalar(at, Boolean.FALSE);
            case VALUE_NULL:
                return new Scalar(at, null);
            case VALUE_NUMBER_INT: {
                BigInteger big = p.getBigIntegerValue();
                if (big.bitLength() < 32) {
                    return new Scalar(at, big.intValue());
                } else if (big.bitLength() < 64) {
                    return new Scalar(at, big.longValue());
                }
                return new Scalar(at, big);
            }
            case VALUE_NUMBER_FLOAT:
                return new Scalar(at, p.getDoubleValue());
            case VALUE_EMBEDDED_OBJECT: {
                Object o = p.getEmbeddedObject();
                return new Scalar(at, o == null ? null : o.toString());
            }
            default:
                throw new SyntaxError(Problem.error(at, "unexpected " + t));
        }
    }

    private static Location at(JsonParser p, String file) {
        return at(p.currentTokenLocation(), file);
    }

    private static Location at(JsonLocation l, String file) {
        if (l == null || l.getLineNr() < 1) {
            return Location.of(file);
        }
        return new Location(file, l.getLineNr(), Math.max(1, l.getColumnNr()));
    }

    private static String compact(String message) {
        if (message == null) {
            return "cannot parse";
        }
        String s = message.replaceAll("\\s+", " ").trim();
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    /** The node as plain Java values (String, Boolean, numbers, List, LinkedHashMap, null). */
    static Object plain(Node n) {
        if (n instanceof Scalar s) {
            return s.value();
        } else if (n instanceof ListNode l) {
            List<Object> out = new ArrayList<>(l.items().size());
            for (Node i : l.items()) {
                out.add(plain(i));
            }
            return out;
        }
        MapNode m = (MapNode) n;
        Map<String, Object> out = new LinkedHashMap<>();
        m.fields().forEach((k, f) -> out.put(k, plain(f.value())));
        return out;
    }
}
