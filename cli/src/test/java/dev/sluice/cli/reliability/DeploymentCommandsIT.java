package dev.sluice.cli.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.cli.CliRunner;
import dev.sluice.cli.dev.DevCommand;
import dev.sluice.engine.BreakerState;
import dev.sluice.engine.Decision;
import dev.sluice.functions.Env;
import dev.sluice.functions.devhost.DevResources;
import dev.sluice.infra.AwsClients;
import dev.sluice.infra.store.DynamoDbStateStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The commands that act on a deployment (here moto, as with {@code sluice dev}), as a user types them: what they
 * refuse with exit code 2 and a one-line reason, and what they do. Real SDK clients against the emulator.
 */
class DeploymentCommandsIT {
    private static final String DAG = """
            dag_id: nightly
            tasks:
              - {task_id: a, command: "echo a"}
            """;

    private static AwsClients clients;
    private static String suffix;
    private static String table;
    private static String bucket;
    private static String queueUrl;

    @BeforeAll
    static void deployment() {
        clients = AwsClients.create(Region.US_EAST_1, EmulatorEndpoint.get(),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")));
        suffix = UUID.randomUUID().toString().substring(0, 8);
        table = "sluice-cmd-" + suffix;
        bucket = "sluice-cmd-" + suffix;
        queueUrl = DevResources.ensure(clients, table, bucket, "sluice-cmd-" + suffix, 30);
        clients.s3().putObject(b -> b.bucket(bucket).key("dags/nightly.yaml"), RequestBody.fromString(DAG));
    }

    @AfterAll
    static void close() {
        clients.close();
    }

    private static String[] at(String... args) {
        List<String> all = new java.util.ArrayList<>(List.of(args));
        all.addAll(List.of("--endpoint", EmulatorEndpoint.get().toString(), "--table", table, "--bucket", bucket,
                "--queue", queueUrl));
        return all.toArray(String[]::new);
    }

    @Test
    void triggerOfADagNoFileDefinesIsRefusedEvenWhenSomeFilesDoNotLoad() {
        clients.s3().putObject(b -> b.bucket(bucket).key("dags/broken.yaml"), RequestBody.fromString("dag_id: [x"));
        try {
            CliRunner.Result ghost = sluice(at("trigger", "ghost"));
            assertThat(ghost.exitCode()).as(ghost.err()).isEqualTo(2);
            assertThat(ghost.err()).contains("no DAG ghost", "do not load", "broken.yaml", "nothing was sent")
                    .doesNotContain("warning", "Exception");
        } finally {
            clients.s3().deleteObject(b -> b.bucket(bucket).key("dags/broken.yaml"));
        }
    }

    @Test
    void devUploadsWhatADagIncludesAndTriggerFindsTheDagThatIncludesIt(@TempDir Path dir) throws Exception {
        Path examples = Path.of("../examples");
        Files.copy(examples.resolve("dynamic_tables.yaml"), dir.resolve("dynamic_tables.yaml"));
        Files.createDirectories(dir.resolve("config"));
        Files.copy(examples.resolve("config/tables.yaml"), dir.resolve("config/tables.yaml"));
        Env.Config config = Env.from(Map.of(Env.TABLE, table, Env.BUCKET, bucket, Env.QUEUE_URL, queueUrl)::get);
        try {
            DevCommand.upload(clients, config, dir);
            assertThat(clients.s3().getObjectAsBytes(b -> b.bucket(bucket).key("dags/config/tables.yaml"))
                    .asUtf8String()).isEqualTo(Files.readString(dir.resolve("config/tables.yaml")));

            CliRunner.Result sent = sluice(at("trigger", "dynamic_table_pipeline", "--run-id",
                    "dynamic_table_pipeline.t1"));
            assertThat(sent.exitCode()).as(sent.err()).isZero();
        } finally {
            clients.s3().deleteObject(b -> b.bucket(bucket).key("dags/dynamic_tables.yaml"));
            clients.s3().deleteObject(b -> b.bucket(bucket).key("dags/config/tables.yaml"));
        }
    }

    @Test
    void triggerSendsAKnownDagsRunAndRefusesWhatTheCoordinatorWouldReject() {
        CliRunner.Result ok = sluice(at("trigger", "nightly", "--conf", "{\"full_refresh\": true}", "--run-id",
                "nightly.t1"));
        assertThat(ok.exitCode()).as(ok.err()).isZero();
        assertThat(ok.out().strip()).isEqualTo("nightly.t1");
        List<Message> sent = clients.sqs().receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10)
                .visibilityTimeout(0)).messages();
        assertThat(sent).anySatisfy(m -> assertThat(m.body()).contains("\"nightly\"", "nightly.t1", "full_refresh"));

        CliRunner.Result unknown = sluice(at("trigger", "nightlly"));
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("no DAG nightlly in s3://" + bucket + "/dags/", "did you mean 'nightly'")
                .doesNotContain("Exception");

        CliRunner.Result badJson = sluice(at("trigger", "nightly", "--conf", "{\"full_refresh\": true"));
        assertThat(badJson.exitCode()).isEqualTo(2);
        assertThat(badJson.err()).startsWith("error: --conf is not valid JSON").doesNotContain("Source");
        assertThat(badJson.err().strip().lines()).hasSize(1);

        CliRunner.Result empty = sluice(at("trigger", "nightly", "--conf", ""));
        assertThat(empty.exitCode()).isEqualTo(2);
        assertThat(empty.err()).contains("--conf must be a JSON object", "got ''");

        CliRunner.Result badId = sluice(at("trigger", "bad id/.."));
        assertThat(badId.exitCode()).isEqualTo(2);
        assertThat(badId.err()).contains("DAG id 'bad id/..'").doesNotContain("--run-id");

        CliRunner.Result notUrl = sluice("trigger", "nightly", "--endpoint", "notaurl");
        assertThat(notUrl.exitCode()).isEqualTo(2);
        assertThat(notUrl.err()).contains("endpoint 'notaurl'", "is not an http(s) URL")
                .doesNotContain("NullPointerException");
    }

    @Test
    void breakersListAndResetTheDeploymentsBreakersInItsTable() {
        DynamoDbStateStore store = DynamoDbStateStore.create(clients.dynamoDb(), table);
        store.apply(new Decision(null, List.of(), List.of(), List.of(), List.of(), Map.of(),
                List.of(new BreakerState("salesforce", BreakerState.Status.OPEN, 5,
                        Instant.parse("2026-01-01T00:00:00Z"), null, 1))));

        CliRunner.Result list = sluice(at("breakers", "list"));
        assertThat(list.exitCode()).as(list.err()).isZero();
        assertThat(list.out()).contains("salesforce", "open", "2026-01-01T00:00:00Z");

        CliRunner.Result reset = sluice(at("breakers", "reset", "salesforc"));
        assertThat(reset.exitCode()).isEqualTo(2);
        assertThat(reset.err()).contains("no circuit breaker salesforc", "did you mean 'salesforce'");

        CliRunner.Result closed = sluice(at("breakers", "reset", "salesforce"));
        assertThat(closed.exitCode()).as(closed.err()).isZero();
        assertThat(store.breakers()).singleElement()
                .satisfies(b -> assertThat(b.status()).isEqualTo(BreakerState.Status.CLOSED));

        CliRunner.Result noTable = sluice("breakers", "list", "--endpoint", EmulatorEndpoint.get().toString(),
                "--table", "no-such-table-" + suffix);
        assertThat(noTable.exitCode()).isEqualTo(2);
        assertThat(noTable.err()).contains("no DynamoDB table no-such-table-" + suffix, "sluice dev --create")
                .doesNotContain("Exception");
    }

    @Test
    void poolsSetListAndDeleteTheDeploymentsPoolsInItsTable() {
        DynamoDbStateStore store = DynamoDbStateStore.create(clients.dynamoDb(), table);
        String pool = "api_" + suffix;
        CliRunner.Result set = sluice(at("pools", "set", pool, "4", "--description", "partner limit"));
        assertThat(set.exitCode()).as(set.err()).isZero();
        assertThat(store.pools()).contains(new dev.sluice.engine.Pool(pool, 4, 0, null, "partner limit"));
        CliRunner.Result list = sluice(at("pools", "list"));
        assertThat(list.exitCode()).as(list.err()).isZero();
        assertThat(list.out()).containsPattern(pool + " +4 +0 +set by hand +partner limit");
        CliRunner.Result bad = sluice(at("pools", "set", pool, "1.5"));
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("pool size must be a whole number, got '1.5'");
        CliRunner.Result unknown = sluice(at("pools", "delete", pool + "x"));
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("no pool " + pool + "x");
        CliRunner.Result deleted = sluice(at("pools", "delete", pool));
        assertThat(deleted.exitCode()).as(deleted.err()).isZero();
        assertThat(store.pools()).noneMatch(p -> p.name().equals(pool));
    }

    @Test
    void remoteClearOfAnUnknownRunIsRefusedAndCountsAreChecked() {
        CliRunner.Result clear = sluice(at("tasks", "clear", "nightly.never", "a"));
        assertThat(clear.exitCode()).isEqualTo(2);
        assertThat(clear.err()).contains("no run nightly.never", "sluice dev runs");

        CliRunner.Result limit = sluice(at("dev", "runs", "--limit", "0"));
        assertThat(limit.exitCode()).isEqualTo(2);
        assertThat(limit.err()).contains("--limit must be at least 1");

        CliRunner.Result max = sluice("dlq", "list", "--max", "0", "--endpoint", EmulatorEndpoint.get().toString());
        assertThat(max.exitCode()).isEqualTo(2);
        assertThat(max.err()).contains("--max must be at least 1");
    }

    @Test
    void theDevDeadLetterQueueTakesAMessageAfterFiveFailedReceives() {
        String q = DevResources.ensure(clients, table, bucket, "sluice-redrive-" + suffix, 30);
        String dlq = DevResources.ensureDeadLetterQueue(clients, q);
        assertThat(dlq).endsWith("sluice-redrive-" + suffix + "-dlq");
        assertThat(DevResources.ensureDeadLetterQueue(clients, q)).as("a second call keeps the policy").isNull();
        clients.sqs().sendMessage(b -> b.queueUrl(q).messageBody("{\"type\":\"nonsense\"}"));
        for (int i = 0; i < DevResources.MAX_RECEIVE_COUNT; i++) {
            assertThat(clients.sqs().receiveMessage(b -> b.queueUrl(q).visibilityTimeout(0)).messages())
                    .as("receive %d", i + 1).hasSize(1);
        }
        assertThat(clients.sqs().receiveMessage(b -> b.queueUrl(q).visibilityTimeout(0)).messages())
                .as("moved on the receive after the fifth").isEmpty();
        assertThat(clients.sqs().receiveMessage(b -> b.queueUrl(dlq)).messages()).singleElement()
                .satisfies(m -> assertThat(m.body()).contains("nonsense"));
    }

    private static CliRunner.Result sluice(String... args) {
        return CliRunner.run(args);
    }
}
