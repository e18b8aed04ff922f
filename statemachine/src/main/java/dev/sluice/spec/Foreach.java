package dev.sluice.spec;

import dev.sluice.model.Location;
import dev.sluice.spec.SpecTree.Field;
import dev.sluice.spec.SpecTree.ListNode;
import dev.sluice.spec.SpecTree.MapNode;
import dev.sluice.spec.SpecTree.Node;
import dev.sluice.spec.SpecTree.Scalar;
import dev.sluice.template.ShellQuote;
import dev.sluice.template.TemplateRenderer;
import java.nio.file.InvalidPathException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code foreach:} block: stamps out its task list once per item, replacing {@code {{ var }}} and
 * {@code {{ var.key }}} at load time. Every other {@code {{ ... }}} is left alone for run-time templating.
 *
 * <p>An item is data. In the fields that are templates at run time (command and callbacks) a plain word such as
 * {@code orders} is written as is; any other value is written as a template literal,
 * {@code {{ '6f7264...' | unhex }}}, so that its text is never read as template source (an item
 * {@code {{ params.p | raw }}} stays that text) and reaches the shell as a value, like every other template value.
 * {@code {{ var | raw }}} pastes the item's text as shell syntax, still never as a template.
 */
final class Foreach {
    static final Set<String> FIELDS = Set.of("foreach", "foreach_file", "as", "tasks");
    private static final Pattern VAR = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Set<String> SHELL_FIELDS = Set.of("command", "on_failure", "on_retry", "on_success");

    private Foreach() {
    }

    /** The items of a foreach entry, from the literal list or the included file; null when they cannot be read. */
    static List<Node> items(MapNode entry, Values v, Includes includes) {
        Field literal = entry.get("foreach");
        Field file = entry.get("foreach_file");
        if (literal != null && file != null) {
            v.error(file.keyAt(), "a foreach block takes foreach or foreach_file, not both");
            return null;
        }
        if (literal != null) {
            ListNode l = v.list(literal);
            if (l == null && Values.isNull(literal)) {
                v.error(literal.value().at(), "foreach must be a list of items");
            }
            return l == null ? null : l.items();
        }
        String name = v.string(file);
        if (name == null) {
            if (Values.isNull(file)) {
                v.error(file.value().at(), "foreach_file must name a YAML or JSON file");
            }
            return null;
        }
        String path;
        try {
            path = includes.display(name);
        } catch (InvalidPathException e) {
            v.error(file.value().at(), "foreach_file '" + name + "' is not a valid path");
            return null;
        }
        String content;
        try {
            content = includes.read(name);
        } catch (SpecFiles.Unreadable e) {
            v.error(file.value().at(), "cannot read foreach_file '" + path + "': " + e.getMessage());
            return null;
        }
        Node root;
        try {
            root = SpecTree.parse(content, path.toString(), SpecTree.isJson(path.toString(), content));
        } catch (SpecTree.SyntaxError e) {
            v.problems().add(e.problem());
            return null;
        }
        if (root instanceof ListNode l) {
            return l.items();
        }
        if (root instanceof MapNode m) {
            List<Node> out = new ArrayList<>();
            for (Field f : m.fields().values()) {
                Map<String, Field> fields = new LinkedHashMap<>();
                fields.put("name", new Field("name", f.keyAt(), new Scalar(f.keyAt(), f.key())));
                if (f.value() instanceof MapNode inner) {
                    fields.putAll(inner.fields());
                } else if (!Values.isNull(f)) {
                    fields.put("value", new Field("value", f.value().at(), f.value()));
                }
                out.add(new MapNode(f.keyAt(), fields));
            }
            return out;
        }
        v.error(root.at(), "foreach_file '" + path + "' must hold a list or a mapping, got " + root.describe());
        return null;
    }

    /** The loop variable name ({@code as:}, default {@code item}); null when it is invalid. */
    static String variable(MapNode entry, Values v) {
        Field as = entry.get("as");
        if (as == null) {
            return "item";
        }
        String name = v.string(as);
        if (name != null && !VAR.matcher(name).matches()) {
            v.error(as.value().at(), "as must be a plain name like 'table', got '" + name + "'");
            return null;
        }
        return name;
    }

    /** A copy of {@code n} with the loop variable's placeholders replaced by {@code item}'s values. */
    static Node substitute(Node n, String var, Node item, Values v) {
        Pattern p = Pattern.compile("\\{\\{\\s*" + Pattern.quote(var)
                + "(?:\\.([A-Za-z_][A-Za-z0-9_]*))?\\s*(\\|\\s*raw\\s*)?}}");
        return copy(n, null, p, var, item, v);
    }

    private static Node copy(Node n, String key, Pattern p, String var, Node item, Values v) {
        if (n instanceof MapNode m) {
            Map<String, Field> out = new LinkedHashMap<>();
            for (Field f : m.fields().values()) {
                out.put(f.key(), new Field(f.key(), f.keyAt(), copy(f.value(), f.key(), p, var, item, v)));
            }
            return new MapNode(m.at(), out);
        } else if (n instanceof ListNode l) {
            List<Node> out = new ArrayList<>(l.items().size());
            for (Node i : l.items()) {
                out.add(copy(i, key, p, var, item, v));
            }
            return new ListNode(l.at(), out);
        }
        Scalar s = (Scalar) n;
        if (!(s.value() instanceof String text) || !text.contains("{{")) {
            return s;
        }
        boolean shell = key != null && SHELL_FIELDS.contains(key);
        Matcher m = p.matcher(text);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            String value = value(item, m.group(1), var, s.at(), v);
            if (value == null) {
                m.appendReplacement(b, Matcher.quoteReplacement(m.group()));
            } else {
                boolean raw = m.group(2) != null;
                String put = !shell || ShellQuote.isSafe(value) ? value : TemplateRenderer.literal(value, raw);
                m.appendReplacement(b, Matcher.quoteReplacement(put));
            }
        }
        m.appendTail(b);
        String stamped = b.toString();
        // A stamped value's columns no longer match the file's: '?' makes its problems point at the value.
        return stamped.equals(text) ? s : new Scalar(s.at(), stamped, '?', 0);
    }

    private static String value(Node item, String key, String var, Location at, Values v) {
        if (item instanceof Scalar s) {
            if (key != null) {
                v.error(at, "foreach item " + item.describe() + " is not a mapping, so {{ " + var + "." + key
                        + " }} has no value");
                return null;
            }
            return s.value() == null ? "" : s.value().toString();
        }
        if (item instanceof MapNode m) {
            String k = key == null ? "name" : key;
            Field f = m.get(k);
            if (f == null) {
                v.error(at, "foreach item at line " + item.at().line() + " has no field '" + k + "' for {{ " + var
                        + (key == null ? "" : "." + key) + " }}" + (key == null ? " (a mapping item stands for "
                        + "its name field)" : ""));
                return null;
            }
            if (f.value() instanceof Scalar s) {
                return s.value() == null ? "" : s.value().toString();
            }
            v.error(at, "foreach item field '" + k + "' is " + f.value().describe() + ", not a single value");
            return null;
        }
        v.error(at, "foreach items must be values or mappings, got " + item.describe());
        return null;
    }
}
