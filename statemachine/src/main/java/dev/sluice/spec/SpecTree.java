package dev.sluice.spec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.sluice.model.Location;
import dev.sluice.model.Problem;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * A YAML/JSON document as a small tree whose every node and key remembers its file:line:column.
 * Jackson's own tree ({@code JsonNode}) drops locations, so the loader reads tokens into this instead.
 *
 * <p>YAML anchors, aliases and merge keys ({@code <<: *base}, {@code <<: [*a, *b]}) mean what YAML says: an alias
 * is the anchored node itself (shared, not copied, so reading stays linear in the file), and a merge copies the
 * keys that the mapping does not set itself. Jackson's parser reports an alias as a string holding its name, so
 * the resolution happens here. Expansion is bounded: aliases may add at most {@link #MAX_ALIAS_NODES} nodes in
 * total (an alias bomb is refused in time linear in the file), and nesting through aliases stays within
 * {@link #MAX_DEPTH}.
 */
final class SpecTree {
    /** Deeper nesting than this is certainly not a DAG; refusing it keeps the reader's recursion bounded. */
    static final int MAX_DEPTH = 64;

    /** The largest DAG, policy or item file read, in characters (3 MiB). */
    static final int MAX_CHARS = 3 * 1024 * 1024;

    /** Aliases may add at most this many nodes to a document in total; more is an alias bomb, not a DAG. */
    static final long MAX_ALIAS_NODES = 100_000;

    private static final String MERGE_KEY = "<<";

    private static final YAMLFactory YAML = new AnchorYamlFactory(yamlLimits());
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

    /**
     * value is a String, Boolean, Integer, Long, BigInteger, Double, BigDecimal, or null. {@code style} is how a
     * string was written: {@code ' '} plain (or unknown), {@code '\''}, {@code '"'}, {@code '|'} or {@code '>'};
     * {@code indent} is the indentation of a {@code |} block's lines (0 otherwise). Both place a template's problems.
     */
    record Scalar(Location at, Object value, char style, int indent) implements Node {
        Scalar(Location at, Object value) {
            this(at, value, ' ', 0);
        }

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

    private static org.yaml.snakeyaml.LoaderOptions yamlLimits() {
        org.yaml.snakeyaml.LoaderOptions o = new org.yaml.snakeyaml.LoaderOptions();
        // The size is checked before parsing, with a message that names the limit; this is the parser's backstop.
        o.setCodePointLimit(MAX_CHARS + 1024);
        return o;
    }

    /** What one parse remembers: anchors, their heights, and how many nodes aliases have added so far. */
    private static final class Context {
        final String file;
        final List<Problem> problems;
        final Map<String, Node> anchors = new HashMap<>();
        final Map<Node, Integer> heights = new IdentityHashMap<>();
        final Map<Node, Long> sizes = new IdentityHashMap<>();
        long aliasNodes;

        final String content;

        Context(String file, List<Problem> problems, String content) {
            this.file = file;
            this.content = content;
            this.problems = problems;
        }
    }

    /** A node read, with its height (levels of nesting) and its size (nodes, aliases expanded). */
    private record Read(Node node, int height, long size) {
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
        if (content.length() > MAX_CHARS) {
            throw new SyntaxError(Problem.error(Location.of(fileName), "the file is " + content.length()
                    + " characters long, over the limit of 3 MiB (" + MAX_CHARS + " characters) for a file Sluice reads"));
        }
        JsonFactory factory = json ? JSON : YAML;
        try (JsonParser p = factory.createParser(new java.io.StringReader(content))) {
            JsonToken first = p.nextToken();
            if (first == null) {
                return new Scalar(new Location(fileName, 1, 1), null);
            }
            Node root = read(p, new Context(fileName, problems, content), 0).node();
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

    private static Read read(JsonParser p, Context ctx, int depth) throws IOException, SyntaxError {
        String file = ctx.file;
        Location at = at(p, file);
        if (depth > MAX_DEPTH) {
            throw new SyntaxError(Problem.error(at, "nesting is deeper than " + MAX_DEPTH + " levels"));
        }
        if (p instanceof YAMLParser y && y.isCurrentAlias()) {
            return alias(y.getText(), at, ctx, depth);
        }
        String anchor = p instanceof AnchorYamlFactory.Parser y ? y.valueAnchor() : null;
        Read r = readValue(p, ctx, depth, at);
        if (anchor != null) {
            ctx.anchors.put(anchor, r.node());
            ctx.heights.put(r.node(), r.height());
            ctx.sizes.put(r.node(), r.size());
        }
        return r;
    }

    private static Read alias(String name, Location at, Context ctx, int depth) throws SyntaxError {
        Node target = ctx.anchors.get(name);
        if (target == null) {
            throw new SyntaxError(Problem.error(at, "the alias *" + name + " names no anchor (&" + name
                    + ") defined before it"));
        }
        int height = ctx.heights.get(target);
        long size = ctx.sizes.get(target);
        ctx.aliasNodes += size;
        if (ctx.aliasNodes > MAX_ALIAS_NODES) {
            throw new SyntaxError(Problem.error(at, "aliases expand to more than " + MAX_ALIAS_NODES
                    + " nodes (at *" + name + "); this looks like an alias bomb, not a DAG"));
        }
        if (depth + height > MAX_DEPTH) {
            throw new SyntaxError(Problem.error(at, "nesting is deeper than " + MAX_DEPTH + " levels (through *"
                    + name + ")"));
        }
        return new Read(target, height, size);
    }

    private static Read readValue(JsonParser p, Context ctx, int depth, Location at)
            throws IOException, SyntaxError {
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT:
                return readMapping(p, ctx, depth, at);
            case START_ARRAY: {
                List<Node> items = new ArrayList<>();
                int height = 0;
                long size = 1;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    Read item = read(p, ctx, depth + 1);
                    items.add(item.node());
                    height = Math.max(height, item.height());
                    size += item.size();
                }
                return new Read(new ListNode(at, items), height + 1, size);
            }
            default:
                return new Read(scalar(p, t, at, ctx), 0, 1);
        }
    }

    /**
     * A mapping; {@code <<} merges the keys of a mapping (or of each mapping in a list, earlier ones first) that the
     * mapping does not set itself, at the position of the merge key.
     */
    private static Read readMapping(JsonParser p, Context ctx, int depth, Location at)
            throws IOException, SyntaxError {
        List<Object> entries = new ArrayList<>();
        Map<String, Field> explicit = new LinkedHashMap<>();
        int height = 0;
        long size = 1;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            Location keyAt = at(p, ctx.file);
            p.nextToken();
            Read value = read(p, ctx, depth + 1);
            height = Math.max(height, value.height());
            size += value.size();
            if (p instanceof YAMLParser && MERGE_KEY.equals(key)) {
                entries.add(merged(value.node(), keyAt));
                continue;
            }
            Field field = new Field(key, keyAt, value.node());
            Field prev = explicit.putIfAbsent(key, field);
            if (prev != null) {
                ctx.problems.add(Problem.error(keyAt, "duplicate key '" + key + "' (first at line "
                        + prev.keyAt().line() + ")"));
            } else {
                entries.add(field);
            }
        }
        Map<String, Field> fields = new LinkedHashMap<>();
        for (Object e : entries) {
            if (e instanceof Field f) {
                fields.put(f.key(), f);
            } else {
                @SuppressWarnings("unchecked")
                List<Field> group = (List<Field>) e;
                for (Field f : group) {
                    if (!explicit.containsKey(f.key())) {
                        fields.putIfAbsent(f.key(), f);
                    }
                }
            }
        }
        return new Read(new MapNode(at, fields), height + 1, size);
    }

    private static List<Field> merged(Node value, Location keyAt) throws SyntaxError {
        List<Node> sources = value instanceof ListNode l ? l.items() : List.of(value);
        List<Field> out = new ArrayList<>();
        for (Node source : sources) {
            if (!(source instanceof MapNode m)) {
                throw new SyntaxError(Problem.error(keyAt, "the merge key '<<' takes a mapping or a list of mappings,"
                        + " not " + source.describe()));
            }
            out.addAll(m.fields().values());
        }
        return out;
    }

    private static Scalar scalar(JsonParser p, JsonToken t, Location at, Context ctx)
            throws IOException, SyntaxError {
        switch (t) {
            case VALUE_STRING: {
                char style = p instanceof AnchorYamlFactory.Parser y ? y.valueStyle() : '"';
                return new Scalar(at, p.getText(), style, style == '|' ? blockIndent(ctx.content, at.line()) : 0);
            }
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

    /** The indentation of the first non-blank line after line {@code line} (1-based), or 0. */
    private static int blockIndent(String content, int line) {
        String[] lines = content.split("\n", -1);
        for (int i = line; i < lines.length; i++) {
            String l = lines[i];
            if (!l.isBlank()) {
                return l.length() - l.stripLeading().length();
            }
        }
        return 0;
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
