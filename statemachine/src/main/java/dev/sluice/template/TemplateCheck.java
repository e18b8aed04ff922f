package dev.sluice.template;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.el.ExtendedSyntaxBuilder;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.tree.ExpressionNode;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import com.hubspot.jinjava.tree.TreeParser;
import com.hubspot.jinjava.tree.parse.ExpressionToken;
import dev.sluice.model.Names;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jinjava.de.odysseus.el.tree.TreeBuilderException;
import jinjava.de.odysseus.el.tree.impl.Builder;
import jinjava.de.odysseus.el.tree.impl.ast.AstDot;
import jinjava.de.odysseus.el.tree.impl.ast.AstFunction;
import jinjava.de.odysseus.el.tree.impl.ast.AstIdentifier;
import jinjava.de.odysseus.el.tree.impl.ast.AstMethod;

/**
 * Checks a template before it runs: it parses it with Jinjava's own parsers (the template tree, then each
 * expression's EL tree) and reports every name the template reads that the run will not define, every filter,
 * test or function Jinjava does not know, and any syntax error, each at its line and column within the template.
 *
 * <pre>{@code
 * TemplateCheck.check("echo {{ ds_nodsh }}", TemplateCheck.Scope.task(false, null))
 *     // [1:9 undefined name 'ds_nodsh' (did you mean 'ds_nodash'?)]
 * }</pre>
 *
 * <p>The names are those of {@link TemplateContext#NAMES} ({@code item} only in a mapped task) and
 * {@link #RUNTIME_NAMES}; variables bound by the template itself ({@code {% for x in ... %}},
 * {@code {% set x = ... %}}, macro names and parameters, {@code loop}) are defined. {@code params.X} is checked
 * against the declared params when the scope has them (see {@link Scope}).
 */
public final class TemplateCheck {

    /**
     * Names whose attributes are resolved by the runtime when the try starts: {@code var} and {@code conn}
     * (variables and connections; also in {@link TemplateContext#NAMES}). Any attribute of them is accepted here.
     */
    public static final Set<String> RUNTIME_NAMES = Set.of("var", "conn");

    /** What a template may read. {@code params} null: any {@code params.X}; else exactly these keys. */
    public record Scope(Set<String> names, Set<String> params) {
        public Scope {
            names = Set.copyOf(names);
            params = params == null ? null : Set.copyOf(params);
        }

        /** The names of a callback's context ({@link CallbackValues#NAMES}): an {@code on_*} command. */
        public static Scope callback() {
            return new Scope(new LinkedHashSet<>(CallbackValues.NAMES), null);
        }

        /** The names of a task's try; {@code declaredParams} null when the DAG declares no params. */
        public static Scope task(boolean mapped, Set<String> declaredParams) {
            Set<String> n = new LinkedHashSet<>(TemplateContext.NAMES);
            if (!mapped) {
                n.remove("item");
            }
            n.addAll(RUNTIME_NAMES);
            return new Scope(n, declaredParams);
        }
    }

    /** One problem, at a 1-based line and column of the template text. */
    public record Finding(int line, int column, String message) {
        @Override
        public String toString() {
            return line + ":" + column + " " + message;
        }
    }

    private static final String INTERPRETER = "____int3rpr3t3r____";
    private static final Pattern POSITION = Pattern.compile("at position (\\d+)");
    private static final Jinjava ENGINE = TemplateRenderer.checkingEngine();
    private static final Set<String> TAGS_WITH_EXPRESSIONS = Set.of("if", "elif", "for", "set", "macro");

    private TemplateCheck() {
    }

    /** The problems of {@code template} in {@code scope}, in order of position; empty when it is fine. */
    public static List<Finding> check(String template, Scope scope) {
        List<Finding> out = new ArrayList<>();
        if (template == null || (!template.contains("{{") && !template.contains("{%") && !template.contains("{#"))) {
            return out;
        }
        JinjavaInterpreter interpreter = ENGINE.newInterpreter();
        JinjavaInterpreter.pushCurrent(interpreter);
        try {
            Node root = new TreeParser(interpreter, template).buildTree();
            for (TemplateError e : interpreter.getErrors()) {
                if (e.getSeverity() != TemplateError.ErrorType.WARNING) {
                    out.add(new Finding(Math.max(1, e.getLineno()), Math.max(1, e.getStartPosition()),
                            "cannot parse the template: " + e.getMessage()));
                }
            }
            if (out.isEmpty()) {
                new Walker(template, scope, interpreter.getContext(), out).children(root, new HashSet<>());
            }
        } catch (RuntimeException e) {
            out.add(new Finding(1, 1, "cannot parse the template: " + e.getMessage()));
        } finally {
            JinjavaInterpreter.popCurrent();
        }
        return out;
    }

    /** Walks the template tree with the variables bound so far. */
    private record Walker(String template, Scope scope, Context context, List<Finding> out) {

        void children(Node n, Set<String> bound) {
            for (Node c : n.getChildren()) {
                node(c, bound);
            }
        }

        void node(Node n, Set<String> bound) {
            if (n instanceof ExpressionNode e) {
                ExpressionToken t = (ExpressionToken) e.getMaster();
                expression(t.getExpr(), n, bound);
            } else if (n instanceof TagNode t) {
                tag(t, bound);
            }
        }

        void tag(TagNode t, Set<String> bound) {
            String name = t.getName();
            String helpers = t.getHelpers() == null ? "" : t.getHelpers().strip();
            switch (name) {
                case "raw", "comment" -> {
                    return;
                }
                case "for" -> {
                    int in = helpers.indexOf(" in ");
                    Set<String> inner = new HashSet<>(bound);
                    if (in > 0) {
                        expression(helpers.substring(in + 4), t, bound);
                        for (String v : helpers.substring(0, in).split(",")) {
                            inner.add(v.strip());
                        }
                    }
                    inner.add("loop");
                    children(t, inner);
                    return;
                }
                case "set" -> {
                    int eq = helpers.indexOf('=');
                    if (eq > 0) {
                        expression(helpers.substring(eq + 1), t, bound);
                        for (String v : helpers.substring(0, eq).split(",")) {
                            bound.add(v.strip());
                        }
                    } else {
                        bound.add(helpers.strip());
                    }
                    children(t, bound);
                    return;
                }
                case "macro" -> {
                    Matcher m = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)\\s*\\((.*)\\)", Pattern.DOTALL)
                            .matcher(helpers);
                    Set<String> inner = new HashSet<>(bound);
                    if (m.matches()) {
                        bound.add(m.group(1));
                        inner.add(m.group(1));
                        for (String p : m.group(2).split(",")) {
                            String pn = p.split("=")[0].strip();
                            if (!pn.isEmpty()) {
                                inner.add(pn);
                            }
                        }
                    }
                    inner.addAll(Set.of("varargs", "kwargs", "caller"));
                    children(t, inner);
                    return;
                }
                case "if", "elif" -> expression(helpers, t, bound);
                default -> {
                    // other tags (else, filter, call, ...): their bodies are checked, their arguments are not
                }
            }
            children(t, bound);
        }

        void expression(String expr, Node at, Set<String> bound) {
            if (expr == null || expr.isBlank()) {
                return;
            }
            jinjava.de.odysseus.el.tree.Tree tree;
            try {
                tree = new ExtendedSyntaxBuilder(Builder.Feature.METHOD_INVOCATIONS).build("#{" + expr + "}");
            } catch (TreeBuilderException e) {
                Matcher m = POSITION.matcher(String.valueOf(e.getMessage()));
                int offset = m.find() ? Math.max(0, Integer.parseInt(m.group(1)) - 2) : 0;
                String why = String.valueOf(e.getMessage()).replaceFirst("^Error parsing '.*?': ", "")
                        .replaceAll("at position \\d+, ", "");
                out.add(finding(at, expr, offset, "cannot parse '" + abbreviate(expr.strip()) + "': " + why));
                return;
            }
            visit(tree.getRoot(), expr, at, bound);
        }

        void visit(jinjava.de.odysseus.el.tree.Node n, String expr, Node at, Set<String> bound) {
            if (isDefinedTest(n)) {
                return; // `x is defined` asks whether x exists, so an undefined x is its point
            }
            if (n instanceof AstDot dot && dot.getChild(0) instanceof AstIdentifier id
                    && id.getName().equals("params") && scope.params() != null && !bound.contains("params")) {
                String key = property(dot);
                if (key != null && !scope.params().contains(key)) {
                    out.add(finding(at, expr, find(expr, key), "params has no key '" + key + "'"
                            + Names.hint(key, scope.params()) + "; declared: "
                            + (scope.params().isEmpty() ? "none" : String.join(", ", new TreeSet<>(scope.params())))
                            + " (a value only the run's conf gives is conf." + key + ")"));
                }
            }
            if (n instanceof AstIdentifier id) {
                identifier(id.getName(), expr, at, bound);
            } else if (n instanceof AstFunction f && !(bound.contains(f.getName()))
                    && context.getFunction(f.getName()) == null) {
                out.add(finding(at, expr, find(expr, f.getName()), "unknown function '" + f.getName() + "'"
                        + Names.hint(f.getName(), functionNames())));
            }
            for (int i = 0; i < n.getCardinality(); i++) {
                visit(n.getChild(i), expr, at, bound);
            }
        }

        static boolean isDefinedTest(jinjava.de.odysseus.el.tree.Node n) {
            return n instanceof AstMethod && n.getCardinality() > 0 && n.getChild(0) instanceof AstDot d
                    && d.getChild(0) instanceof AstIdentifier id
                    && (id.getName().equals("exptest:defined") || id.getName().equals("exptest:undefined"));
        }

        void identifier(String name, String expr, Node at, Set<String> bound) {
            if (name.equals(INTERPRETER)) {
                return;
            }
            if (name.startsWith("filter:")) {
                String f = name.substring("filter:".length());
                if (context.getFilter(f) == null) {
                    List<String> names = context.getAllFilters().stream().map(x -> x.getName()).toList();
                    out.add(finding(at, expr, find(expr, f), "unknown filter '" + f + "'" + Names.hint(f, names)));
                }
                return;
            }
            if (name.startsWith("exptest:")) {
                String t = name.substring("exptest:".length());
                if (context.getExpTest(t) == null) {
                    out.add(finding(at, expr, find(expr, t), "unknown test '" + t + "'"));
                }
                return;
            }
            if (bound.contains(name) || scope.names().contains(name)) {
                return;
            }
            Set<String> candidates = new TreeSet<>(scope.names());
            candidates.addAll(bound);
            String extra = name.equals("item") && TemplateContext.NAMES.contains("item")
                    ? " ('item' is defined only in the instances of a mapped task, one with expand or expand_from, and not in expand itself)" : "";
            out.add(finding(at, expr, find(expr, name), "undefined name '" + name + "'"
                    + Names.hint(name, candidates) + extra));
        }

        List<String> functionNames() {
            return context.getAllFunctions().stream().map(f -> f.getLocalName()).toList();
        }

        /** Where {@code word} first stands in {@code expr} as a whole word, or 0. */
        static int find(String expr, String word) {
            Matcher m = Pattern.compile("(?<![A-Za-z0-9_])" + Pattern.quote(word) + "(?![A-Za-z0-9_])").matcher(expr);
            return m.find() ? m.start() : 0;
        }

        static String property(AstDot dot) {
            String s = dot.toString(); // ". key"
            return s.startsWith(". ") ? s.substring(2) : null;
        }

        /** The position of {@code expr[offset]} in the template: the node's own line and start, plus the offset. */
        Finding finding(Node at, String expr, int offset, String message) {
            int start = at.getStartPosition(); // 1-based column of '{' on its line
            int line = at.getLineNumber();
            String image = at.getMaster().getImage();
            int exprAt = image.indexOf(expr.strip());
            int before = exprAt < 0 ? 0 : exprAt;
            String lead = image.substring(0, Math.min(image.length(), before));
            String strippedLead = expr.substring(0, Math.min(offset, expr.length()));
            int leadingSpace = expr.length() - expr.stripLeading().length();
            String head = lead + strippedLead.substring(Math.min(leadingSpace, strippedLead.length()));
            int nl = head.lastIndexOf('\n');
            if (nl >= 0) {
                line += (int) head.chars().filter(c -> c == '\n').count();
                return new Finding(line, head.length() - nl, message);
            }
            return new Finding(line, Math.max(1, start) + head.length(), message);
        }

        static String abbreviate(String s) {
            return s.length() > 60 ? s.substring(0, 60) + "..." : s;
        }
    }
}
