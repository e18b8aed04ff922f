package dev.sluice.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Variables and connections locally, through the real CLI: the commands, the environment's precedence, a missing name,
 * masking in every place a user reads (the log, runs show, the stored output), and nothing in clear text on disk.
 */
class VariablesIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "sk \"live\" zq9xv";
    private static final String PASSWORD = "p@ss/w0rd word";

    @TempDir
    Path dir;

    private Sluice sluice;

    @BeforeEach
    void setUp() {
        sluice = new Sluice(dir.resolve("home"), dir);
    }

    private Sluice.Result run(Map<String, String> env, String... args) throws Exception {
        ProcessBuilder pb = sluice.builder(args);
        pb.environment().putAll(env);
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Sluice.Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private void ok(Sluice.Result r) {
        assertThat(r.exit()).as(r.toString()).isZero();
    }

    @Test
    void variablesAndConnectionsCommandsAsAirflowHasThem() throws Exception {
        ok(sluice.run("variables", "set", "warehouse_env", "prod", "--description", "where loads go"));
        ok(sluice.run("variables", "set", "limits", "{\"rows\": 10}", "--json"));
        assertThat(sluice.run("variables", "set", "bad", "{nope", "--json").exit()).isEqualTo(2);
        assertThat(sluice.run("variables", "get", "warehouse_env").out()).isEqualTo("prod\n");
        assertThat(sluice.run("variables", "get", "nope", "--default", "dev").out()).isEqualTo("dev\n");
        Sluice.Result missing = sluice.run("variables", "get", "nope");
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("variable 'nope' is not set");
        assertThat(sluice.run("variables", "list").out()).containsPattern("warehouse_env +where loads go")
                .contains("limits").doesNotContain("prod");
        Path export = dir.resolve("vars.json");
        ok(sluice.run("variables", "export", export.toString()));
        assertThat(JSON.readTree(export.toFile()).get("warehouse_env").asText()).isEqualTo("prod");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(export))).isEqualTo("rw-------");
        ok(sluice.run("variables", "delete", "warehouse_env"));
        assertThat(sluice.run("variables", "get", "warehouse_env").exit()).isEqualTo(2);
        assertThat(sluice.run("variables", "delete", "warehouse_env").exit()).isEqualTo(2);
        ok(sluice.run("variables", "import", export.toString()));
        assertThat(sluice.run("variables", "get", "warehouse_env").out()).isEqualTo("prod\n");

        ok(sluice.run("connections", "add", "api", "--conn-uri", "https://etl:p%40ss@api.example.com:8443/v1"));
        ok(sluice.run("connections", "add", "db", "--conn-type", "postgres", "--conn-host", "db.local",
                "--conn-login", "loader", "--conn-password", "pw-db-1", "--conn-extra", "{\"sslmode\": \"require\"}"));
        JsonNode api = JSON.readTree(sluice.run("connections", "get", "api").out());
        assertThat(api.get("host").asText()).isEqualTo("api.example.com");
        assertThat(api.get("port").asInt()).isEqualTo(8443);
        assertThat(api.get("password").asText()).isEqualTo("***");
        assertThat(JSON.readTree(sluice.run("connections", "get", "api", "--show-password").out())
                .get("password").asText()).isEqualTo("p@ss");
        assertThat(sluice.run("connections", "list").out()).contains("api", "db.local", "loader")
                .doesNotContain("pw-db-1");
        ok(sluice.run("connections", "delete", "db"));
        assertThat(sluice.run("connections", "get", "db").err()).contains("connection 'db' does not exist");
    }

    @Test
    void theEnvironmentWinsAndAMissingNameFailsTheTryNamingIt() throws Exception {
        ok(sluice.run("variables", "set", "region", "eu-west-1"));
        Path dag = dir.resolve("env.yaml");
        Files.writeString(dag, """
                dag_id: env_vars
                tasks:
                  - task_id: show
                    command: echo "{{ var.value.region }} {{ conn.api.host }} {{ var.value.get('absent', 'fb') }}"
                """);
        Sluice.Result r = run(Map.of("SLUICE_VAR_REGION", "us-east-2", "SLUICE_CONN_API",
                "{\"conn_type\": \"http\", \"host\": \"env.example.com\"}"), "run", dag.toString(), "--json");
        ok(r);
        assertThat(JSON.readTree(r.out()).at("/tasks/0/output").asText()).isEqualTo("us-east-2 env.example.com fb");

        Files.writeString(dag, """
                dag_id: env_vars
                tasks:
                  - task_id: show
                    command: echo "{{ conn.nowhere.host }}"
                """);
        Sluice.Result failed = sluice.run("run", dag.toString(), "--json");
        assertThat(failed.exit()).isEqualTo(1);
        String runId = JSON.readTree(failed.out()).get("runId").asText();
        assertThat(sluice.run("tasks", "logs", runId, "show").out()).contains("connection 'nowhere' does not exist");
    }

    @Test
    void aTaskThatEchoesSecretsInSeveralFormsShowsOnlyStars() throws Exception {
        ok(sluice.run("variables", "set", "stripe_api_key", KEY));
        ok(sluice.run("connections", "add", "api", "--conn-json",
                JSON.writeValueAsString(Map.of("conn_type", "https", "host", "api.example.com", "login", "etl",
                        "password", PASSWORD))));
        Path dag = dir.resolve("secret.yaml");
        Files.writeString(dag, """
                dag_id: secret_echo
                tasks:
                  - task_id: echo
                    command: >-
                      echo "plain {{ conn.api.password }} login {{ conn.api.login }}";
                      echo "json {{ var.value.stripe_api_key | tojson }}" >&2;
                      echo "url {{ conn.api.password | urlencode }} {{ conn.api.get_uri() }}";
                      echo "{\\"token\\": {{ var.value.stripe_api_key | tojson }}}"
                  - task_id: fail
                    command: echo "bad key {{ var.value.stripe_api_key }}" >&2; exit 3
                """);
        Sluice.Result r = sluice.run("run", dag.toString(), "--json");
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        JsonNode run = JSON.readTree(r.out());
        String runId = run.get("runId").asText();
        String show = sluice.run("runs", "show", runId, "--json").out();
        String showText = sluice.run("runs", "show", runId).out();
        String log = sluice.run("tasks", "logs", runId, "echo").out();
        String failLog = sluice.run("tasks", "logs", runId, "fail").out();
        assertThat(log).contains("plain *** login etl", "json \"***\"", "url *** https://etl:***@api.example.com",
                "{\"token\": \"***\"}");
        assertThat(JSON.readTree(show).at("/tasks/0/output/token").asText()).isEqualTo("***");
        for (String readable : List.of(r.out(), r.err(), show, showText, log, failLog)) {
            assertNoSecret(readable);
        }
        try (Stream<Path> files = Files.walk(dir.resolve("home"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertNoSecret(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
            }
        }
        for (String f : List.of("secrets.json", "secret.key")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("home").resolve(f))))
                    .isEqualTo("rw-------");
        }
    }

    private static void assertNoSecret(String text) {
        assertThat(text).doesNotContain("zq9xv", "p@ss", "w0rd", "p%40ss", "sk \\\"live");
    }
}
