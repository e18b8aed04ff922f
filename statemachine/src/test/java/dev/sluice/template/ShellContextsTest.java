package dev.sluice.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every template value reaches the shell as data, whatever shell construct surrounds it: each context below times
 * each hostile value is rendered and run by the real {@code /bin/sh} and {@code bash}. The script of a context
 * is the same text whatever the value (the first proof that no value is in it); one driver process per shell
 * runs every case in its own subshell, {@code ( export SLUICE_V_1; eval "$script" )}, which parses the script
 * exactly as {@code sh -c} does, with the values in the environment as the runners pass them (the driver gets
 * them from Java in its environment and spells scripts as printf octal escapes, so its own text holds neither). No case ever creates the marker file {@code M}, and where the context uses the value as data its output
 * is the value, byte for byte. Rendering may refuse a case (a quoted heredoc body, a non-integer in arithmetic);
 * it may never run it.
 */
class ShellContextsTest {

    /** A shell snippet with {@code @@} where the template value goes, and what it prints (null: only "no marker"). */
    private record Context(String template, UnaryOperator<String> expected) {
        String command() {
            return template.replace("@@", "{{ v }}");
        }
    }

    private static Context data(String template) {
        return new Context(template, v -> v);
    }

    private static Context data(String template, UnaryOperator<String> expected) {
        return new Context(template, expected);
    }

    private static Context unsafeOnly(String template) {
        return new Context(template, null);
    }

    private static String stripTrailingNewlines(String v) {
        return v.replaceAll("\n+$", "");
    }

    static final List<Context> CONTEXTS = List.of(
            data("printf '%s' @@"),
            data("printf '%s' \"@@\""),
            data("printf '%s' '@@'"),
            data("printf '%s' \"a @@ b\"", v -> "a " + v + " b"),
            data("printf '%s' 'a @@ b'", v -> "a " + v + " b"),
            data("printf '%s' @@\"tail\"", v -> v + "tail"),
            data("printf '%s' \"head\"@@", v -> "head" + v),
            data("printf '%s' @@'tail'", v -> v + "tail"),
            data("printf '%s' \"$(printf '%s' @@)\"", ShellContextsTest::stripTrailingNewlines),
            data("printf '%s' \"$(printf '%s' \"@@\")\"", ShellContextsTest::stripTrailingNewlines),
            data("printf '%s' \"$( (printf '%s' '@@') )\"", ShellContextsTest::stripTrailingNewlines),
            data("printf '%s' \"`printf '%s' @@`\"", ShellContextsTest::stripTrailingNewlines),
            data("x=`printf '%s' @@`; printf '%s' \"$x\"", ShellContextsTest::stripTrailingNewlines),
            data("x=@@; printf '%s' \"$x\""),
            data("x=\"@@\"; printf '%s' \"$x\""),
            data("x='@@'; printf '%s' \"$x\""),
            data("printf '%s' \"${UNSET_NAME:-@@}\""),
            data("printf '%s' ${UNSET_NAME:-\"@@\"}"),
            data("printf '%s' \"${UNSET_NAME:-\"@@\"}\""),
            data("printf '%s' \"${UNSET_NAME-@@}\""),
            data("printf '%s' \"${UNSET_NAME:+x}@@\""),
            data("x=${UNSET_NAME:=@@}; printf '%s' \"$UNSET_NAME\""),
            unsafeOnly("echo \"${NAME:-'@@'}\""),
            unsafeOnly("echo ${NAME:-'@@'}"),
            data("cat <<EOF\n@@\nEOF", v -> v + "\n"),
            data("cat <<EOF\nx @@ y\nEOF", v -> "x " + v + " y\n"),
            data("cat <<-EOF\n\t@@\n\tEOF", v -> v + "\n"),
            data("cat <<EOF; printf '%s' @@\nbody\nEOF", v -> "body\n" + v),
            unsafeOnly("cat <<'EOF'\n@@\nEOF"),
            unsafeOnly("cat <<\"EOF\"\n$(echo @@)\nEOF"),
            unsafeOnly("cat <<\\EOF\n`@@`\nEOF"),
            data("case @@ in *) printf '%s' ok;; esac", v -> "ok"),
            data("case \"@@\" in *) printf '%s' @@;; esac"),
            data("case x in @@) printf no;; *) printf '%s' ok;; esac", v -> v.equals("x") ? "no" : "ok"),
            data("case x in (@@) printf no;; (*) printf ok;; esac", v -> v.equals("x") ? "no" : "ok"),
            data("if [ @@ = @@ ]; then printf '%s' eq; fi", v -> "eq"),
            data("[ -n @@ ] && printf '%s' @@ || true"),
            data("test \"@@\" = '@@' && printf ok", v -> "ok"),
            data("printf '%s' @@ # comment @@"),
            data("# a comment @@\nprintf '%s' @@"),
            data("printf '%s' \\\n @@"),
            data("printf '%s' \"a\\\n@@\"", v -> "a" + v),
            data("f() { printf '%s' \"$1\"; }; f @@"),
            data("f() { printf '%s' @@; }; f"),
            data("{ printf '%s' @@; }"),
            data("( printf '%s' @@ )"),
            data("printf '%s' @@ | cat"),
            data("printf '%s' @@ > o.tmp; cat o.tmp"),
            data("set -- @@; printf '%s' \"$1\""),
            data("for x in @@; do printf '%s' \"$x\"; done"),
            data("while :; do printf '%s' @@; break; done"),
            data("false || printf '%s' @@"),
            data("true && printf '%s' \"@@\""),
            data("export X=@@; printf '%s' \"$X\""),
            data("X=@@ sh -c 'printf \"%s\" \"$X\"'"),
            data("printf '%s\\n' @@ | { IFS= read -r line; printf '%s' \"$line\"; }", v -> firstLine(v)),
            unsafeOnly("printf '%s' $'@@'"),
            unsafeOnly("printf '%s' \"$'@@'\""),
            unsafeOnly("echo $(( @@ + 1 ))"),
            unsafeOnly("echo \"$((@@))\""),
            unsafeOnly("x=$(( 2 * (@@) )); echo $x"),
            unsafeOnly("(( @@ > 0 )) && echo big"),
            unsafeOnly("s=abcdef; echo ${s:@@}"),
            unsafeOnly("echo $[@@]"),
            unsafeOnly("echo @@; echo \"@@\"; echo '@@' # @@"),
            unsafeOnly("echo `echo @@`"),
            unsafeOnly("x=$(echo @@); echo $x"),
            unsafeOnly("@@"),
            unsafeOnly("\"@@\""),
            unsafeOnly("echo ${@@}"),
            unsafeOnly("echo \"${@@:-x}\""),
            unsafeOnly("a=@@; echo $a"));

    static final List<String> VALUES = List.of(
            "$(touch M)",
            "`touch M`",
            ";touch M",
            "touch M",
            "| touch M",
            "'$(touch M)'",
            "'; touch M; '",
            "\ntouch M\n",
            "a[$(touch M)]",
            "$((a[$(touch M)]))",
            "{{ 7*7 }}",
            "{% if true %}$(touch M){% endif %}",
            "${IFS}touch${IFS}M",
            "*",
            "'",
            "\"",
            "\\",
            "EOF\ntouch M\nEOF",
            ") touch M ;; *) touch M ;;",
            "}; touch M; {",
            "ü € 𝄞 \u200b",
            "\u0001\u0002\u0007\u001b[2J\u007f\t\r",
            binaryish(),
            "-n",
            "",
            "$HOME $SLUICE_V_2 ${SLUICE_V_1}",
            "a  b\tc  ",
            "\\\n",
            "42");

    @TempDir
    Path dir;

    private final TemplateRenderer renderer = new TemplateRenderer();

    @ParameterizedTest
    @ValueSource(strings = {"/bin/sh", "bash"})
    void noValueRunsAndDataArrivesByteExact(String shell) throws Exception {
        assertThat(CONTEXTS.size()).isGreaterThanOrEqualTo(50);
        assertThat(VALUES.size()).isGreaterThanOrEqualTo(20);
        Path work = Files.createDirectories(dir.resolve("w"));
        StringBuilder driver = new StringBuilder("cd '" + work + "' || exit 3\n");
        Map<String, String> expected = new LinkedHashMap<>();
        List<String> refusedData = new ArrayList<>();
        Map<String, String> env = new LinkedHashMap<>();
        Map<Integer, String> scripts = new LinkedHashMap<>();
        List<String> scriptDependsOnValue = new ArrayList<>();
        int rendered = 0;
        for (int c = 0; c < CONTEXTS.size(); c++) {
            Context ctx = CONTEXTS.get(c);
            for (int v = 0; v < VALUES.size(); v++) {
                String value = VALUES.get(v);
                String id = c + "_" + v;
                ShellCommand cmd;
                try {
                    cmd = renderer.renderCommand(ctx.command(), Map.of("v", value));
                } catch (TemplateException refused) {
                    if (ctx.expected() != null) {
                        refusedData.add(ctx.template() + " with " + value + ": " + refused.getMessage());
                    }
                    continue;
                }
                rendered++;
                List<String> names = new ArrayList<>();
                for (Map.Entry<String, String> e : cmd.values().entrySet()) {
                    env.put("C" + id + "_" + e.getKey(), e.getValue());
                    driver.append(e.getKey()).append("=\"$C").append(id).append('_').append(e.getKey())
                            .append("\"\n");
                    names.add(e.getKey());
                }
                String previous = scripts.putIfAbsent(c, cmd.script());
                if (previous == null) {
                    driver.append("s=$(printf '").append(octal(cmd.script())).append("x'); s=${s%x}\n");
                } else if (!previous.equals(cmd.script())) {
                    scriptDependsOnValue.add(ctx.template() + " with " + show(value));
                }
                driver.append("( ").append(names.isEmpty() ? "" : "export " + String.join(" ", names) + "; ")
                        .append("eval \"$s\" ) >'").append(dir.resolve("o" + id))
                        .append("' 2>/dev/null </dev/null\n")
                        .append("if [ -e M ]; then echo '").append(id).append("' >>'").append(dir.resolve("pwned"))
                        .append("'; rm -f M; fi\n");
                if (!names.isEmpty()) {
                    driver.append("unset ").append(String.join(" ", names)).append('\n');
                }
                if (ctx.expected() != null) {
                    expected.put(id, ctx.expected().apply(value));
                }
            }
        }
        Path script = dir.resolve("driver.sh");
        Files.writeString(script, driver);
        ProcessBuilder pb = new ProcessBuilder(shell, script.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("driver.log").toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        assertThat(p.waitFor(50, TimeUnit.SECONDS)).as("the driver finished").isTrue();
        assertThat(p.exitValue()).as(Files.readString(dir.resolve("driver.log"))).isZero();

        List<String> pwned = Files.exists(dir.resolve("pwned"))
                ? Files.readAllLines(dir.resolve("pwned")).stream().map(this::describe).toList() : List.of();
        assertThat(pwned).as("cases that created the marker").isEmpty();
        assertThat(refusedData).as("data contexts must render every value").isEmpty();
        assertThat(scriptDependsOnValue).as("the script text never depends on a value").isEmpty();
        assertThat(rendered).isGreaterThan(CONTEXTS.size() * VALUES.size() / 2);
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, String> e : expected.entrySet()) {
            String got = Files.readString(dir.resolve("o" + e.getKey()), StandardCharsets.UTF_8);
            if (!got.equals(e.getValue())) {
                wrong.add(describe(e.getKey()) + "\n    expected " + show(e.getValue()) + "\n    got      "
                        + show(got));
            }
        }
        assertThat(wrong).as("data that did not arrive byte-exact").isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/bin/sh", "bash"})
    void integersReachArithmetic(String shell) throws Exception {
        ShellCommand cmd = renderer.renderCommand("echo $(( {{ a }} + 1 )) \"$(({{ b }}*2))\"",
                Map.of("a", 41, "b", "-7"));
        assertThat(run(shell, cmd)).isEqualTo("42 -14\n");
    }

    private String run(String shell, ShellCommand cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(shell, "-c", cmd.script()).directory(dir.toFile());
        pb.environment().putAll(cmd.values());
        Process p = pb.redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    private String describe(String id) {
        String[] parts = id.strip().split("_");
        Context c = CONTEXTS.get(Integer.parseInt(parts[0]));
        return show(c.template()) + " with " + show(VALUES.get(Integer.parseInt(parts[1])));
    }

    private static String show(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r") + "\"";
    }

    /** Every UTF-8 byte as a printf octal escape: the driver's own text holds no value characters. */
    private static String octal(String s) {
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            b.append('\\').append(String.format("%03o", x & 0xff));
        }
        return b.toString();
    }

    private static String firstLine(String v) {
        int nl = v.indexOf('\n');
        return nl < 0 ? v : v.substring(0, nl);
    }

    private static String binaryish() {
        StringBuilder b = new StringBuilder();
        for (int c = 1; c < 256; c++) {
            if (c != '\n') {
                b.append((char) c);
            }
        }
        return b.toString();
    }
}
