package dev.sluice.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.Connection;
import dev.sluice.secrets.ConnectionText;
import dev.sluice.secrets.Masker;
import dev.sluice.secrets.Secrets;
import dev.sluice.secrets.SensitiveNames;
import dev.sluice.secrets.TrackedSecrets;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class VariablesAndConnectionsTest {
    private static final Map<String, String> VARS = Map.of(
            "env", "prod",
            "stripe_api_key", "tok-3141-secret",
            "tables", "{\"list\": [\"orders\", \"customers\"], \"limits\": {\"rows\": 10}}");
    private static final Map<String, Connection> CONNS = Map.of(
            "warehouse", ConnectionText.parse("warehouse",
                    "postgres://etl:p%40ss%20word@db.example.com:5432/analytics?sslmode=require"));

    private static final Secrets SOURCE = new Secrets() {
        @Override
        public Optional<String> variable(String name) {
            return Optional.ofNullable(VARS.get(name));
        }

        @Override
        public Optional<Connection> connection(String connId) {
            return Optional.ofNullable(CONNS.get(connId));
        }
    };

    private final TemplateRenderer renderer = new TemplateRenderer();

    private TemplateContext ctx(Secrets s) {
        return TemplateContext.builder().dagId("d").runId("r").logicalDate(Instant.parse("2024-01-01T00:00:00Z"))
                .secrets(s).build();
    }

    private String text(String template) {
        return renderer.renderText(template, ctx(SOURCE));
    }

    @Test
    void variablesAsAirflowHasThem() {
        assertThat(text("{{ var.value.env }}")).isEqualTo("prod");
        assertThat(text("{{ var.value.get('nope', 'fallback') }}")).isEqualTo("fallback");
        assertThat(text("{{ var.value.get('env', 'fallback') }}")).isEqualTo("prod");
        assertThat(text("{{ var.json.tables.list[1] }} {{ var.json.tables.limits.rows }}"))
                .isEqualTo("customers 10");
        assertThat(text("{{ var.json.get('nope', {}) | length }}")).isEqualTo("0");
    }

    @Test
    void connectionsAsAirflowHasThem() {
        assertThat(text("{{ conn.warehouse.host }}:{{ conn.warehouse.port }}/{{ conn.warehouse.schema }}"))
                .isEqualTo("db.example.com:5432/analytics");
        assertThat(text("{{ conn.warehouse.login }} {{ conn.warehouse.password }} {{ conn.warehouse.conn_type }}"))
                .isEqualTo("etl p@ss word postgres");
        assertThat(text("{{ conn.warehouse.extra_dejson.sslmode }}")).isEqualTo("require");
        assertThat(text("{{ conn.warehouse.get_uri() }}"))
                .isEqualTo("postgres://etl:p%40ss+word@db.example.com:5432/analytics?__extra__=%7B%22sslmode%22%3A%22require%22%7D");
    }

    @Test
    void aMissingNameFailsNamingIt() {
        assertThatThrownBy(() -> text("{{ var.value.nope }}")).isInstanceOf(TemplateException.class)
                .hasMessageContaining("variable 'nope' is not set");
        assertThatThrownBy(() -> text("{{ conn.nope.host }}")).isInstanceOf(TemplateException.class)
                .hasMessageContaining("connection 'nope' does not exist");
        assertThatThrownBy(() -> renderer.renderCommand("echo {{ var.value.nope }}", ctx(SOURCE)))
                .isInstanceOf(TemplateException.class).hasMessageContaining("variable 'nope' is not set");
    }

    @Test
    void aSecretInACommandIsAValueNeverScriptText() {
        ShellCommand c = renderer.renderCommand("curl -H \"Authorization: Bearer {{ var.value.stripe_api_key }}\"",
                ctx(SOURCE));
        assertThat(c.script()).doesNotContain("tok-3141");
        assertThat(c.values()).containsValue("tok-3141-secret");
    }

    @Test
    void deferredSecretsStopRenderingWithoutReadingThem() {
        assertThatThrownBy(() -> renderer.renderCommand("echo {{ var.value.env }}", ctx(Secrets.DEFERRED)))
                .isInstanceOf(Secrets.Deferred.class);
        assertThat(renderer.renderCommand("echo {{ ds }}", ctx(Secrets.DEFERRED)).values()).containsValue("2024-01-01");
    }

    @Test
    void readsRecordWhatToMask() {
        Masker m = new Masker();
        TrackedSecrets t = new TrackedSecrets(SOURCE, SensitiveNames.of(null), m);
        renderer.renderText("{{ var.value.stripe_api_key }} {{ conn.warehouse.host }}", ctx(t));
        assertThat(m.mask("tok-3141-secret p@ss word prod")).isEqualTo("*** *** prod");
        renderer.renderText("{{ var.value.env }}", ctx(t));
        assertThat(m.mask("prod")).as("env is not a sensitive name").isEqualTo("prod");
    }

    @Test
    void aSecretInArithmeticIsRefusedAndTheMaskerHidesItInTheMessage() {
        Masker m = new Masker();
        TrackedSecrets t = new TrackedSecrets(SOURCE, SensitiveNames.of(null), m);
        assertThatThrownBy(() -> renderer.renderCommand("echo $(( {{ var.value.stripe_api_key }} + 1 ))", ctx(t)))
                .isInstanceOf(TemplateException.class)
                .satisfies(e -> assertThat(m.mask(e.getMessage())).doesNotContain("tok-3141").contains("***"));
    }
}
