package dev.sluice.template;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class TemplateCheckTest {

    private static final TemplateCheck.Scope PLAIN = TemplateCheck.Scope.task(false, null);
    private static final TemplateCheck.Scope MAPPED = TemplateCheck.Scope.task(true, null);

    private static List<String> check(String template, TemplateCheck.Scope scope) {
        return TemplateCheck.check(template, scope).stream().map(TemplateCheck.Finding::toString).toList();
    }

    @Test
    void theNamesAreExactlyThoseOfATryContext() {
        TemplateContext mapped = TemplateContext.builder().dagId("d").runId("r").taskId("t").mapIndex(0)
                .item("x").logicalDate(Instant.parse("2024-01-01T00:00:00Z")).build();
        assertThat(mapped.variables().keySet()).containsExactlyInAnyOrderElementsOf(TemplateContext.NAMES);
    }

    @Test
    void aCallbackReadsItsContextsNames() {
        dev.sluice.api.CallbackContext c = new dev.sluice.api.CallbackContext("failure", "d", "t", -1, "r",
                "2024-01-01T00:00:00Z", 3, 3, "boom", "/logs/t/3.log", java.util.List.of("x"), "me", null);
        assertThat(CallbackValues.variables(c).keySet()).containsExactlyElementsOf(CallbackValues.NAMES);
        assertThat(check("echo {{ task_id }} {{ try_number }}/{{ max_tries }}: {{ error }} {{ due_at }}",
                TemplateCheck.Scope.callback())).isEmpty();
        assertThat(check("echo {{ eror }}", TemplateCheck.Scope.callback()))
                .containsExactly("1:9 undefined name 'eror' (did you mean 'error'?)");
    }

    @Test
    void aMisspelledNameIsReportedWithItsColumnAndAHint() {
        assertThat(check("echo {{ ds_nodsh }}", PLAIN))
                .containsExactly("1:9 undefined name 'ds_nodsh' (did you mean 'ds_nodash'?)");
        assertThat(check("run {{ parmas.x }} --day {{ ds }}", PLAIN))
                .containsExactly("1:8 undefined name 'parmas' (did you mean 'params'?)");
    }

    @Test
    void knownNamesFiltersMethodsAndNestedAttributesPass() {
        assertThat(check("x {{ ds }} {{ params.a.b | upper | raw }} {{ outputs['g.t'].rows }} "
                + "{{ logical_date.strftime('%Y') }} {{ conf.get('k', 'v') }} {{ 'a' ~ run_id }} "
                + "{{ '6869' | unhex }} {{ var.value.x }} {{ conn.db.host }} {{ x is defined }} {{ params.y is undefined }}", TemplateCheck.Scope.task(false, Set.of("a")))).isEmpty();
        assertThat(check("{{ item.name }} {{ map_index }}", MAPPED)).isEmpty();
    }

    @Test
    void itemIsOnlyDefinedInAMappedTask() {
        assertThat(check("echo {{ item }}", PLAIN)).singleElement().asString()
                .startsWith("1:9 undefined name 'item'").contains("mapped task");
    }

    @Test
    void loopAndSetVariablesAreDefined() {
        assertThat(check("{% for t in params.tables %}{{ t }} {{ loop.index }}{% endfor %}"
                + "{% set n = 3 %}{{ n }}{% macro m(a, b=1) %}{{ a }}{{ b }}{% endmacro %}{{ m(1) }}", PLAIN))
                .isEmpty();
        assertThat(check("{% for t in tables %}{{ tt }}{% endfor %}", PLAIN)).containsExactly(
                "1:13 undefined name 'tables'",
                "1:25 undefined name 'tt' (did you mean 't'?)");
        assertThat(check("{% for t in [1] %}{% endfor %}{{ t }}", PLAIN)).containsExactly(
                "1:34 undefined name 't' (did you mean 'ts'?)");
    }

    @Test
    void unknownFiltersAndFunctionsAreReported() {
        assertThat(check("{{ ds | uper }}", PLAIN)).containsExactly("1:9 unknown filter 'uper' (did you mean 'upper'?)");
        assertThat(check("{{ rnage(3) }}", PLAIN)).singleElement().asString()
                .startsWith("1:4 unknown function 'rnage'").contains("range");
    }

    @Test
    void namesInIfConditionsAndLaterLinesArePlaced() {
        assertThat(check("a\n  {% if dss %}x{% endif %}\n\n   {{ nope }}", PLAIN)).containsExactly(
                "2:9 undefined name 'dss' (did you mean 'ds'?)",
                "4:7 undefined name 'nope'");
    }

    @Test
    void aTemplateThatDoesNotParseIsReported() {
        assertThat(check("echo {{ ds ~ }}", PLAIN)).singleElement().asString()
                .startsWith("1:").contains("cannot parse 'ds ~'");
        assertThat(check("echo {% if ds %} x", PLAIN)).singleElement().asString().contains("cannot parse the template");
        assertThat(check("echo {% frobnicate %}", PLAIN)).singleElement().asString().contains("cannot parse the template");
    }

    @Test
    void declaredParamsAreChecked() {
        TemplateCheck.Scope s = TemplateCheck.Scope.task(false, Set.of("tables", "full_refresh"));
        assertThat(check("{{ params.tables }} {{ params['x'] }}", s)).isEmpty();
        assertThat(check("{{ params.tabels }}", s)).containsExactly("1:11 params has no key 'tabels' "
                + "(did you mean 'tables'?); declared: full_refresh, tables (a value only the run's conf gives is conf.tabels)");
    }

    @Test
    void textWithoutTemplateSyntaxIsNotParsed() {
        assertThat(check("echo $HOME } {", PLAIN)).isEmpty();
        assertThat(check("{{ '{{' | raw }}", PLAIN)).isEmpty();
    }
}
