package dev.sluice.template;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.expression.ExpressionStrategy;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.mode.ExecutionMode;
import com.hubspot.jinjava.objects.date.PyishDate;
import com.hubspot.jinjava.random.RandomNumberGeneratorStrategy;
import com.hubspot.jinjava.tree.output.RenderedOutputNode;
import com.hubspot.jinjava.tree.parse.ExpressionToken;

import java.io.IOException;
import java.time.ZonedDateTime;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Renders Jinja templates (Jinjava) in task fields, with Airflow's variable names (see {@link TemplateContext}).
 *
 * <pre>{@code
 * TemplateRenderer r = new TemplateRenderer();          // build once, share: it is thread-safe
 * r.renderCommand("process.sh {{ item }} --day {{ ds }}", ctx)
 *     // script: process.sh "${SLUICE_V_1}" --day "${SLUICE_V_2}"
 *     // values: SLUICE_V_1="a b; rm -rf x", SLUICE_V_2="2024-01-01" (passed in the environment)
 * r.renderCommand("run {{ params.flags | raw }}", ctx)  // opt-out: flags pasted as shell syntax
 * r.renderText("s3://bucket/raw/{{ ds }}/", ctx)         // no quoting, for non-shell fields
 * }</pre>
 *
 * <h2>Values in commands</h2>
 * In {@link #renderCommand}, no value becomes shell text: every {@code {{ expr }}} is replaced in the script by a
 * reference to an environment variable that holds the value ({@code "${SLUICE_V_1}"}), and the runner starts
 * {@code /bin/sh -c SCRIPT} with those variables set (see {@link ShellCommand} and {@code ShellAssembler} for how
 * the reference is written in each shell context). Airflow lacks this protection.
 * <ul>
 *   <li>{@code echo {{ item }}} gives {@code echo "${SLUICE_V_1}"}; {@code echo "day={{ ds }}"} gives
 *       {@code echo "day=${SLUICE_V_1}"}; {@code echo '{{ ds }}'} gives {@code echo ''"${SLUICE_V_1}"''}.</li>
 *   <li>Inside shell arithmetic ({@code $(( {{ n }} + 1 ))}) the value must be a decimal integer.</li>
 *   <li>The one opt-out is {@code | raw} as the last filter of the whole expression: {@code {{ params.flags | raw }}}
 *       pastes the value into the script as shell syntax. Use it only for values the DAG author controls.
 *       {@code {{ a ~ b | raw }}} (raw binds to {@code b} alone) is refused, see {@link RawRule}.</li>
 * </ul>
 * Maps and lists render as JSON ({@code {{ outputs.extract }}} gives {@code '["a","b"]'}); dates as ISO-8601 with
 * offset; {@code null} as an empty string.
 *
 * <h2>Strictness and purity</h2>
 * An undefined variable fails rendering with a {@link TemplateException} naming it, instead of rendering empty.
 * {@code include}, {@code import}, {@code from}, {@code extends} and {@code print} are disabled; templates cannot
 * read files, the clock ({@code today()}, {@code unixtimestamp()} fail) or randomness ({@code random} gives the first
 * element), so rendering is a pure function of the template and the context.
 */
public final class TemplateRenderer {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final Map<Context.Library, Set<String>> DISABLED = Map.of(
            Context.Library.TAG, Set.of("include", "import", "from", "extends", "print"),
            Context.Library.FUNCTION, Set.of("today", "unixtimestamp"));

    private final Jinjava command;
    private final Jinjava text;

    /** Builds the two Jinjava engines (command and text mode); reuse the instance. */
    public TemplateRenderer() {
        this.command = engine(new OutputStrategy(true));
        this.text = engine(new OutputStrategy(false));
    }

    /** An engine configured as the text one, for {@link TemplateCheck} to parse with (same tags, filters). */
    static Jinjava checkingEngine() {
        return engine(new OutputStrategy(false));
    }

    private static Jinjava engine(OutputStrategy strategy) {
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withFailOnUnknownTokens(true)
                .withDisabled(DISABLED)
                .withRandomNumberGeneratorStrategy(RandomNumberGeneratorStrategy.CONSTANT_ZERO)
                .withDateTimeProvider(() -> {
                    throw new TemplateException("templates cannot read the clock; use logical_date, ds or ts");
                })
                .withMaxOutputSize(4L * 1024 * 1024)
                .withExecutionMode(new ExecutionMode() {
                    @Override
                    public void prepareContext(Context context) {
                        context.setExpressionStrategy(strategy);
                    }
                })
                .build();
        Jinjava j = new Jinjava(config);
        j.setResourceLocator((name, charset, interpreter) -> {
            throw new IOException("templates cannot load other templates ('" + name + "')");
        });
        j.getGlobalContext().registerFilter(new RawFilter());
        j.getGlobalContext().registerFilter(new UnhexFilter());
        return j;
    }

    /**
     * Renders a {@code command} field: every {@code {{ }}} output becomes a variable reference in the script and
     * a value beside it, unless it ends with {@code | raw}.
     *
     * @throws TemplateException on a syntax error, an undefined variable, a misplaced raw, or a value in a position
     *                           it cannot reach (a quoted heredoc body, a non-integer in arithmetic)
     */
    public ShellCommand renderCommand(String template, TemplateContext ctx) {
        return renderCommand(template, ctx.variables());
    }

    /** As {@link #renderCommand(String, TemplateContext)} with explicit variables. */
    public ShellCommand renderCommand(String template, Map<String, ?> variables) {
        Objects.requireNonNull(template, "template");
        if (ShellAssembler.containsMarker(template)) {
            throw new TemplateException("cannot render command template '" + ShellAssembler.abbreviate(template)
                    + "': it contains the reserved characters U+E000..U+E002");
        }
        String first = render(command, template, variables);
        if (first.contains("{{") || first.contains("{%")) {
            throw new TemplateException("cannot render command template '" + ShellAssembler.abbreviate(template)
                    + "': it has an unterminated or unparsed '{{' or '{%'; write a literal brace pair as {{ '{{' | raw }}");
        }
        return ShellAssembler.assemble(first, template);
    }

    /**
     * Renders a non-shell field (a path, a message, an S3 key) without quoting; {@code | raw} is accepted and
     * changes nothing.
     *
     * @throws TemplateException on a syntax error or an undefined variable
     */
    public String renderText(String template, TemplateContext ctx) {
        return renderText(template, ctx.variables());
    }

    /** As {@link #renderText(String, TemplateContext)} with explicit variables. */
    public String renderText(String template, Map<String, ?> variables) {
        Objects.requireNonNull(template, "template");
        return render(text, template, variables);
    }

    private static String render(Jinjava engine, String template, Map<String, ?> variables) {
        Map<String, Object> bindings = new LinkedHashMap<>();
        variables.forEach((k, v) -> bindings.put(k, wrap(v)));
        RenderResult result;
        try {
            result = engine.renderForResult(template, bindings);
        } catch (dev.sluice.secrets.Secrets.Deferred e) {
            throw e;
        } catch (TemplateException e) {
            throw new TemplateException("cannot render template '" + ShellAssembler.abbreviate(template) + "': "
                    + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new TemplateException("cannot render template '" + ShellAssembler.abbreviate(template) + "': "
                    + e.getMessage(), e);
        }
        List<TemplateError> errors = result.getErrors().stream()
                .filter(e -> e.getSeverity() != TemplateError.ErrorType.WARNING)
                .collect(Collectors.toList());
        if (!errors.isEmpty()) {
            for (TemplateError e : errors) {
                for (Throwable t = e.getException(); t != null; t = t.getCause()) {
                    if (t instanceof dev.sluice.secrets.Secrets.Deferred d) {
                        throw d;
                    }
                }
            }
            String why = errors.stream().map(TemplateRenderer::describe).distinct().collect(Collectors.joining("; "));
            TemplateException ex = new TemplateException("cannot render template '"
                    + ShellAssembler.abbreviate(template) + "': " + why);
            errors.stream().map(TemplateError::getException).filter(Objects::nonNull).findFirst()
                    .ifPresent(ex::initCause);
            throw ex;
        }
        return result.getOutput();
    }

    private static final Pattern UNKNOWN_TOKEN = Pattern.compile("Unknown token found: (.*)$");

    private static String describe(TemplateError e) {
        String msg = e.getMessage() == null ? e.getReason().toString() : e.getMessage();
        Matcher unknown = UNKNOWN_TOKEN.matcher(msg);
        if (unknown.find()) {
            String token = unknown.group(1).trim();
            msg = token.matches("[A-Za-z_][A-Za-z0-9_.]*")
                    ? "undefined variable '" + token + "'"
                    : "undefined variable or filter in '" + token + "'";
        }
        if (e.getReason() == TemplateError.ErrorReason.UNKNOWN && e.getFieldName() != null
                && !msg.contains(e.getFieldName())) {
            msg = "unknown variable '" + e.getFieldName() + "': " + msg;
        }
        return (e.getLineno() > 0 ? "line " + e.getLineno() + ": " : "") + msg;
    }

    private static Object wrap(Object v) {
        if (v instanceof ZonedDateTime z) {
            return new PyishDate(z).withDateFormat(TemplateContext.DATE_RENDER_FORMAT);
        }
        return v;
    }

    /** Converts an expression's value to text: maps and lists as JSON, everything else as Jinjava would. */
    static String stringify(Object v, JinjavaInterpreter interpreter) {
        if (v == null) {
            return "";
        }
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof PyishDate d) {
            return d.toString();
        }
        if (v instanceof Map || v instanceof Collection || v.getClass().isArray()) {
            try {
                return JSON.writeValueAsString(v);
            } catch (JsonProcessingException e) {
                return interpreter.getAsString(v);
            }
        }
        return interpreter.getAsString(v);
    }

    /** {@code | raw}: the identity; {@link OutputStrategy} recognises it as the last filter of an output. */
    static final class RawFilter implements Filter {
        @Override
        public String getName() {
            return "raw";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return var;
        }
    }

    /**
     * {@code '68690a' | unhex}: the UTF-8 text of a hex string. A {@code foreach} item that is not a plain word is
     * stamped into a template this way, so its text is a literal and never template source.
     */
    static final class UnhexFilter implements Filter {
        @Override
        public String getName() {
            return "unhex";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            String hex = var == null ? "" : var.toString();
            try {
                return new String(java.util.HexFormat.of().parseHex(hex), java.nio.charset.StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new TemplateException("unhex needs a hex string, got '" + ShellAssembler.abbreviate(hex) + "'");
            }
        }
    }

    /** The text of {@code value} as a template expression that renders exactly it: {@code {{ 'hex' | unhex }}}. */
    public static String literal(String value, boolean raw) {
        return "{{ '" + java.util.HexFormat.of().formatHex(value.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                + "' | unhex" + (raw ? " | raw" : "") + " }}";
    }

    /** Renders each {@code {{ }}}: a value placeholder (command mode) or plain text. */
    static final class OutputStrategy implements ExpressionStrategy {
        private static final long serialVersionUID = 1L;
        private final boolean quote;

        OutputStrategy(boolean quote) {
            this.quote = quote;
        }

        @Override
        public RenderedOutputNode interpretOutput(ExpressionToken token, JinjavaInterpreter interpreter) {
            String expr = token.getExpr();
            RawRule.Use use = RawRule.classify(expr);
            if (use == RawRule.Use.MISPLACED && quote) {
                throw new TemplateException(RawRule.message(expr));
            }
            boolean isRaw = use == RawRule.Use.WHOLE;
            Object value = interpreter.resolveELExpression(isRaw ? RawRule.withoutRaw(expr) : expr,
                    token.getLineNumber());
            String s = stringify(value, interpreter);
            if (!quote) {
                return new RenderedOutputNode(s);
            }
            return new RenderedOutputNode(isRaw ? ShellAssembler.encodeRaw(s) : ShellAssembler.encode(s));
        }
    }
}
