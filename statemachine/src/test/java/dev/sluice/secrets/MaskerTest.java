package dev.sluice.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MaskerTest {
    @Test
    void masksTheValueAndItsJsonAndUrlForms() {
        Masker m = new Masker();
        m.add("p@ss \"word\"/x");
        assertThat(m.mask("plain p@ss \"word\"/x")).isEqualTo("plain ***");
        assertThat(m.mask("{\"t\":\"p@ss \\\"word\\\"/x\"}")).isEqualTo("{\"t\":\"***\"}");
        assertThat(m.mask("u=p%40ss+%22word%22%2Fx&v=p%40ss%20%22word%22%2Fx")).isEqualTo("u=***&v=***");
        assertThat(m.mask(null)).isNull();
    }

    @Test
    void shortValuesAreNotMasked() {
        Masker m = new Masker();
        m.add("ok");
        m.add(null);
        assertThat(m.isEmpty()).isTrue();
        assertThat(m.mask("ok")).isEqualTo("ok");
    }

    @Test
    void sensitiveNamesAreAirflowsPlusTheUsers() {
        SensitiveNames n = SensitiveNames.of("token, dsn");
        assertThat(n.isSensitive("DB_PASSWORD")).isTrue();
        assertThat(n.isSensitive("stripe_api_key")).isTrue();
        assertThat(n.isSensitive("my_token")).isTrue();
        assertThat(n.isSensitive("warehouse_dsn")).isTrue();
        assertThat(n.isSensitive("env")).isFalse();
        assertThat(SensitiveNames.of(null).isSensitive("my_token")).isFalse();
    }

    @Test
    void connectionsReadFromJsonAndUri() {
        var j = ConnectionText.parse("api", "{\"conn_type\":\"http\",\"host\":\"api.example.com\",\"port\":\"443\","
                + "\"password\":\"s3cr3t\",\"extra\":{\"timeout\":5}}");
        assertThat(j.host()).isEqualTo("api.example.com");
        assertThat(j.port()).isEqualTo(443);
        assertThat(ConnectionText.extraDejson(j)).containsEntry("timeout", 5);
        var back = ConnectionText.parse("api", ConnectionText.toJson(j));
        assertThat(back).isEqualTo(j);
        var u = ConnectionText.parse("api", j.uri());
        assertThat(u).isEqualTo(j);
        var noUser = ConnectionText.parse("h", "http://example.com");
        assertThat(noUser.login()).isNull();
        assertThat(noUser.password()).isNull();
        assertThat(noUser.host()).isEqualTo("example.com");
    }
}
