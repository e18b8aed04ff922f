package dev.sluice.template;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TemplateRendererTest {

    static final TemplateRenderer R = new TemplateRenderer();
    static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    static TemplateContext.Builder base() {
        Map<String, Object> outputs = new LinkedHashMap<>();
        outputs.put("extract", List.of("orders", "customers"));
        outputs.put("extract_sources.extract_salesforce", Map.of("rows", 42));
        outputs.put("count", 7);
        return TemplateContext.builder()
                .dagId("warehouse")
                .runId("scheduled__2023-12-31T23:00:00Z")
                .taskId("per_table")
                .logicalDate(Instant.parse("2023-12-31T23:00:00Z"))
                .dataInterval(Instant.parse("2023-12-31T23:00:00Z"), Instant.parse("2024-01-01T23:00:00Z"))
                .zone(BERLIN)
                .tryNumber(2)
                .params(Map.of("full_refresh", false, "table", "orders", "limit", 10))
                .outputs(outputs)
                .conf(Map.of("key", "raw/2024-01-01/a.csv"));
    }

    static TemplateContext ctx() {
        return base().build();
    }

    static TemplateContext mapped(Object item) {
        return base().mapIndex(3).item(item).build();
    }

    // ------------------------------------------------------------------ variables

    @Test
    void everyVariableRenders() {
        TemplateContext c = mapped("orders");
        assertThat(R.renderText("{{ ds }}", c)).isEqualTo("2024-01-01"); // Berlin day of 23:00Z
        assertThat(R.renderText("{{ ds_nodash }}", c)).isEqualTo("20240101");
        assertThat(R.renderText("{{ ts }}", c)).isEqualTo("2024-01-01T00:00:00+01:00");
        assertThat(R.renderText("{{ ts_nodash }}", c)).isEqualTo("20240101T000000");
        assertThat(R.renderText("{{ logical_date }}", c)).isEqualTo("2024-01-01T00:00:00+01:00");
        assertThat(R.renderText("{{ data_interval_start }}", c)).isEqualTo("2024-01-01T00:00:00+01:00");
        assertThat(R.renderText("{{ data_interval_end }}", c)).isEqualTo("2024-01-02T00:00:00+01:00");
        assertThat(R.renderText("{{ run_id }}", c)).isEqualTo("scheduled__2023-12-31T23:00:00Z");
        assertThat(R.renderText("{{ dag_id }}", c)).isEqualTo("warehouse");
        assertThat(R.renderText("{{ task_id }}", c)).isEqualTo("per_table");
        assertThat(R.renderText("{{ try_number }}", c)).isEqualTo("2");
        assertThat(R.renderText("{{ map_index }}", c)).isEqualTo("3");
        assertThat(R.renderText("{{ item }}", c)).isEqualTo("orders");
        assertThat(R.renderText("{{ params.table }}", c)).isEqualTo("orders");
        assertThat(R.renderText("{{ params.limit + 1 }}", c)).isEqualTo("11");
        assertThat(R.renderText("{{ params.full_refresh }}", c)).isEqualTo("false");
        assertThat(R.renderText("{{ outputs.count }}", c)).isEqualTo("7");
        assertThat(R.renderText("{{ outputs.extract }}", c)).isEqualTo("[\"orders\",\"customers\"]");
        assertThat(R.renderText("{{ outputs.extract[1] }}", c)).isEqualTo("customers");
        assertThat(R.renderText("{{ outputs['extract_sources.extract_salesforce'].rows }}", c)).isEqualTo("42");
        assertThat(R.renderText("{{ outputs.extract_sources.extract_salesforce.rows }}", c)).isEqualTo("42");
        assertThat(R.renderText("{{ conf.key }}", c)).isEqualTo("raw/2024-01-01/a.csv");
    }

    @Test
    void datesSupportStrftimeAndAttributes() {
        TemplateContext c = ctx();
        assertThat(R.renderText("{{ logical_date.strftime('%Y/%m/%d %H') }}", c)).isEqualTo("2024/01/01 00");
        assertThat(R.renderText("{{ data_interval_end.year }}", c)).isEqualTo("2024");
    }

    @Test
    void unmappedTasksHaveMapIndexMinusOneAndNoItem() {
        assertThat(R.renderText("{{ map_index }}", ctx())).isEqualTo("-1");
        assertThatThrownBy(() -> R.renderText("echo {{ item }}", ctx()))
                .isInstanceOf(TemplateException.class).hasMessageContaining("item");
    }

    @Test
    void jinjaControlFlowWorks() {
        assertThat(R.renderText("{% for t in outputs.extract %}{{ t }}{% if not loop.last %},{% endif %}{% endfor %}",
                ctx())).isEqualTo("orders,customers");
        assertThat(R.renderText("{{ 'full' if params.full_refresh else 'incremental' }}", ctx())).isEqualTo("incremental");
        assertThat(R.renderText("{{ ds | replace('-', '/') }}", ctx())).isEqualTo("2024/01/01");
    }

    @Test
    void undefinedVariablesFailWithTheirName() {
        assertThatThrownBy(() -> R.renderCommand("echo {{ dss }}", ctx()))
                .isInstanceOf(TemplateException.class)
                .hasMessageContaining("undefined variable 'dss'")
                .hasMessageContaining("echo {{ dss }}");
        assertThatThrownBy(() -> R.renderText("{{ params.nope }}", ctx()))
                .isInstanceOf(TemplateException.class).hasMessageContaining("undefined variable 'params.nope'");
    }

    @Test
    void syntaxErrorsFail() {
        assertThatThrownBy(() -> R.renderCommand("echo {{ ds ", ctx())).isInstanceOf(TemplateException.class)
                .hasMessageContaining("unterminated");
        assertThatThrownBy(() -> R.renderText("{% if ds %}x", ctx())).isInstanceOf(TemplateException.class);
        assertThatThrownBy(() -> R.renderText("{{ ds | no_such_filter }}", ctx())).isInstanceOf(TemplateException.class);
    }

    @Test
    void templatesCannotReadFilesOrTheClock() {
        assertThatThrownBy(() -> R.renderText("{% include '/etc/passwd' %}", ctx())).isInstanceOf(TemplateException.class);
        assertThatThrownBy(() -> R.renderText("{% import '/etc/passwd' as x %}", ctx())).isInstanceOf(TemplateException.class);
        assertThatThrownBy(() -> R.renderText("{{ today() }}", ctx())).isInstanceOf(TemplateException.class);
        assertThatThrownBy(() -> R.renderText("{{ unixtimestamp() }}", ctx())).isInstanceOf(TemplateException.class);
        assertThatThrownBy(() -> R.renderCommand("{% print item %}", mapped("x"))).isInstanceOf(TemplateException.class);
    }

    @Test
    void renderingIsDeterministic() {
        String tpl = "{{ outputs.extract | random }} {{ ds }}";
        assertThat(R.renderText(tpl, ctx())).isEqualTo(R.renderText(tpl, ctx())).isEqualTo("orders 2024-01-01");
    }

    // ------------------------------------------------------------------ values as variables (string level)

    @Test
    void commandValuesBecomeVariableReferences() {
        ShellCommand c = R.renderCommand("process {{ item }} --day {{ ds }}", mapped("a b; rm -rf x"));
        assertThat(c.script()).isEqualTo("process \"${SLUICE_V_1}\" --day \"${SLUICE_V_2}\"");
        assertThat(c.values()).containsExactly(Map.entry("SLUICE_V_1", "a b; rm -rf x"),
                Map.entry("SLUICE_V_2", "2024-01-01"));
        assertThat(R.renderCommand("echo {{ outputs.extract }}", ctx()).values())
                .containsExactly(Map.entry("SLUICE_V_1", "[\"orders\",\"customers\"]"));
        assertThat(R.renderCommand("echo plain", ctx())).isEqualTo(ShellCommand.of("echo plain"));
        assertThat(c.display()).isEqualTo("process \"${SLUICE_V_1}\" --day \"${SLUICE_V_2}\"\n"
                + "  with SLUICE_V_1=\"a b; rm -rf x\"\n  with SLUICE_V_2=\"2024-01-01\"");
    }

    @Test
    void theReferenceIsWrittenForTheQuotesAroundIt() {
        assertThat(R.renderCommand("echo \"day={{ ds }} {{ item }}\"", mapped("a b")).script())
                .isEqualTo("echo \"day=${SLUICE_V_1} ${SLUICE_V_2}\"");
        assertThat(R.renderCommand("echo '{{ item }}'", mapped("a b")).script())
                .isEqualTo("echo ''\"${SLUICE_V_1}\"''");
        assertThat(R.renderCommand("cat <<EOF\n{{ item }}\nEOF", mapped("a b")).script())
                .isEqualTo("cat <<EOF\n${SLUICE_V_1}\nEOF");
        assertThat(R.renderCommand("echo ${X:-{{ item }}}", mapped("a b")).script())
                .isEqualTo("echo ${X:-\"${SLUICE_V_1}\"}");
        assertThat(R.renderCommand("echo $(( {{ params.limit }} + 1 ))", ctx()).script())
                .isEqualTo("echo $(( ${SLUICE_V_1} + 1 ))");
    }

    @Test
    void rawOptsOutOnlyForAWholeExpression() {
        TemplateContext c = base().params(Map.of("flags", "--verbose --name \"x y\"")).build();
        assertThat(R.renderCommand("run {{ params.flags | raw }}", c).script()).isEqualTo("run --verbose --name \"x y\"");
        assertThat(R.renderCommand("run {{ params.flags|raw }}", c).script()).isEqualTo("run --verbose --name \"x y\"");
        assertThat(R.renderCommand("run {{ params.flags | upper | raw }}", c).script())
                .isEqualTo("run --VERBOSE --NAME \"X Y\"");
        assertThat(R.renderCommand("run {{ (params.flags ~ ' -q') | raw }}", c).script())
                .isEqualTo("run --verbose --name \"x y\" -q");
        assertThat(R.renderCommand("echo {{ '{{' | raw }}x", c).script()).isEqualTo("echo {{x");
        assertThat(R.renderCommand("echo {{ 'a | raw' }}", c).values()).containsValue("a | raw");
        for (String misplaced : List.of("{{ params.flags | raw | upper }}", "{{ 'a' ~ params.flags | raw }}",
                "{{ params.flags ~ 'x' | raw }}", "{{ 'x' if true else params.flags | raw }}",
                "{{ [params.flags | raw] | join(' ') }}", "{{ not params.flags | raw }}")) {
            assertThatThrownBy(() -> R.renderCommand("run " + misplaced, c))
                    .as(misplaced).isInstanceOf(TemplateException.class).hasMessageContaining("whole expression");
            assertThat(RawRule.problems("run " + misplaced)).as(misplaced).hasSize(1);
        }
        assertThat(RawRule.problems("a {{ x | raw }} {{ (a ~ b) | raw }} {{ f(x) | default('a') | raw }}")).isEmpty();
        // In text mode raw changes nothing.
        assertThat(R.renderText("run {{ params.flags | raw }}", c)).isEqualTo("run --verbose --name \"x y\"");
        // Raw values take part in the context of later values.
        TemplateContext q = base().params(Map.of("open", "\"")).mapIndex(0).item("a b").build();
        assertThat(R.renderCommand("echo {{ params.open | raw }}{{ item }}\"", q).script())
                .isEqualTo("echo \"${SLUICE_V_1}\"");
    }

    @Test
    void renderTextDoesNotQuote() {
        assertThat(R.renderText("s3://b/{{ item }}/", mapped("a b'c"))).isEqualTo("s3://b/a b'c/");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "echo \\{{ item }}",
            "cat <<'EOF'\n{{ item }}\nEOF",
            "cat <<\"EOF\"\n{{ item }}\nEOF",
            "cat <<{{ item }}\nx\n",
            "echo $(( {{ item }} + 1 ))",
            "(( {{ item }} ))",
            "echo ${s:{{ item }}}",
            "echo \"{{ item }}",
            "echo '{{ item }}",
    })
    void positionsAValueCannotReachAreRejected(String template) {
        assertThatThrownBy(() -> R.renderCommand(template, mapped("x")))
                .isInstanceOf(TemplateException.class)
                .hasMessageContaining("cannot render command template");
    }

    @Test
    void heredocBodiesWithoutValuesAreFineAndValuesAfterThemAreReferences() {
        String tpl = "cat <<EOF\nhello $USER '\"\nEOF\necho {{ item }}";
        assertThat(R.renderCommand(tpl, mapped("a b")).script())
                .isEqualTo("cat <<EOF\nhello $USER '\"\nEOF\necho \"${SLUICE_V_1}\"");
    }

    @Test
    void reservedMarkerCharactersInTheTemplateAreRejected() {
        assertThatThrownBy(() -> R.renderCommand("echo \uE000", ctx())).isInstanceOf(TemplateException.class);
    }

    @Test
    void valuesCapturedInBlocksAreOneValue() {
        String tpl = "{% set p %}{{ ds }}/{{ item }}{% endset %}cp {{ p }} /dst";
        ShellCommand c = R.renderCommand(tpl, mapped("a b"));
        assertThat(c.script()).isEqualTo("cp \"${SLUICE_V_1}\" /dst");
        assertThat(c.values()).containsExactly(Map.entry("SLUICE_V_1", "2024-01-01/a b"));
    }

    // ------------------------------------------------------------------ quoting (executed by /bin/sh)

    static final List<String> PAYLOADS = List.of(
            "$(touch MARKER)",
            "`touch MARKER`",
            "; touch MARKER",
            "&& touch MARKER",
            "| touch MARKER",
            "'\"",
            "' ; touch MARKER ; '",
            "\" ; touch MARKER ; \"",
            "\"$(touch MARKER)\"",
            "'$(touch MARKER)'",
            "a\nb; touch MARKER",
            "\ntouch MARKER\n#",
            "x\r\ntouch MARKER",
            "$HOME ${HOME} $((1+1)) ~ * ?",
            "\\'\\\"\\\\ \\n \\$(touch MARKER)",
            "-n",
            "héllo wörld ✓ 日本語 🎉",
            "a=b touch MARKER",
            "%s %d %%",
            "",
            "   spaced   out   ",
            "}} {{ ds }} {% raw %}",
            "EOF\ntouch MARKER\nEOF");

    static final List<String> FORMS = List.of(
            "printf '%s' {{ item }}",
            "printf '%s' \"{{ item }}\"",
            "printf '%s' \"pre-{{ item }}-post\"",
            "printf '%s' '{{ item }}'",
            "printf '%s' 'pre-{{ item }}-post'",
            "printf '%s' pre{{ item }}post",
            "x=$(printf '%s.' {{ item }}); printf '%s' \"${x%.}\"",
            "printf '%s' \"$(printf '%s' {{ item }}).\" | sed 's/\\.$//'",
            "# a comment {{ item }}\nprintf '%s' done");

    static String expected(String form, String payload) {
        if (form.startsWith("#")) {
            return "done";
        }
        if (form.contains("pre-")) {
            return "pre-" + payload + "-post";
        }
        if (form.contains("pre{{")) {
            return "pre" + payload + "post";
        }
        if (form.contains("| sed")) {
            return payload.replaceAll("\n+$", ""); // $( ) strips trailing newlines
        }
        return payload;
    }

    @Test
    void injectionPayloadsReachTheShellAsOnePlainWord(@TempDir Path dir) throws Exception {
        Path marker = dir.resolve("pwned_X");
        List<String> failures = new ArrayList<>();
        int runs = 0;
        for (String raw : PAYLOADS) {
            String payload = raw.replace("MARKER", marker.toString());
            for (String form : FORMS) {
                ShellCommand command = R.renderCommand(form, mapped(payload));
                String out = sh(dir, command);
                runs++;
                if (!out.equals(expected(form, payload))) {
                    failures.add("form " + form + " payload " + payload + " -> command " + command + " printed " + out);
                }
                if (Files.exists(marker)) {
                    failures.add("EXECUTED: form " + form + " payload " + payload + " -> " + command);
                    Files.delete(marker);
                }
            }
        }
        assertThat(failures).isEmpty();
        assertThat(runs).isEqualTo(PAYLOADS.size() * FORMS.size());
        assertThat(marker).doesNotExist();
    }

    @Test
    void echoPrintsThePayloadVerbatim(@TempDir Path dir) throws Exception {
        Path marker = dir.resolve("pwned_echo");
        for (String raw : List.of("$(touch MARKER)", "`touch MARKER`", "; touch MARKER", "'\"", "a b  c",
                "héllo ✓")) {
            String payload = raw.replace("MARKER", marker.toString());
            assertThat(sh(dir, R.renderCommand("echo {{ item }}", mapped(payload)))).isEqualTo(payload + "\n");
            assertThat(sh(dir, R.renderCommand("echo \"{{ item }}\"", mapped(payload)))).isEqualTo(payload + "\n");
        }
        assertThat(marker).doesNotExist();
    }

    @Test
    void rawReallyInjects(@TempDir Path dir) throws Exception {
        // The opt-out does what it says: the value is shell syntax. Proves the other tests are meaningful.
        Path marker = dir.resolve("raw_marker");
        TemplateContext c = mapped("; touch " + marker);
        sh(dir, R.renderCommand("echo {{ item | raw }}", c));
        assertThat(marker).exists();
    }

    /** Runs {@code command} with /bin/sh (a UTF-8 script file) and its values in the environment. */
    static String sh(Path dir, ShellCommand command) throws IOException, InterruptedException {
        Path script = Files.createTempFile(dir, "cmd", ".sh");
        Files.writeString(script, command.script(), StandardCharsets.UTF_8);
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", script.toString()).directory(dir.toFile())
                .redirectErrorStream(true);
        pb.environment().putAll(command.values());
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        return new String(out, StandardCharsets.UTF_8);
    }
}
