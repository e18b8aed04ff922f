package dev.sluice.cli.dev;

import dev.sluice.cli.CliException;
import dev.sluice.functions.Env;
import dev.sluice.functions.devhost.DevResources;
import dev.sluice.infra.AwsClients;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/** Where a deployment's resources are: endpoint, region, table, bucket, queue. Flags override the environment. */
public final class DevOptions {
    @Option(names = "--endpoint", paramLabel = "URL",
            description = "AWS API endpoint (LocalStack, moto server); default AWS_ENDPOINT_URL, else real AWS.")
    String endpoint;

    @Option(names = "--region", paramLabel = "REGION", description = "Default AWS_REGION, else us-east-1.")
    String region;

    @Option(names = "--table", paramLabel = "NAME", description = "DynamoDB table (default SLUICE_TABLE, else sluice-dev).")
    String table;

    @Option(names = "--bucket", paramLabel = "NAME", description = "S3 bucket (default SLUICE_BUCKET, else sluice-dev).")
    String bucket;

    @Option(names = "--queue", paramLabel = "NAME|URL",
            description = "Coordinator SQS queue (default SLUICE_QUEUE_URL, else sluice-dev-coordinator).")
    String queue;

    @Option(names = "--stack", paramLabel = "NAME",
            description = "A deployed Sluice stack: table, bucket and queue come from its outputs "
                    + "(TableName, BucketName, QueueUrl) unless given as flags.")
    String stack;

    private Map<String, String> stackOutputs;

    /** True when the user named a deployment (--stack, --queue or --endpoint): act on it instead of locally. */
    public boolean remote() {
        return stack != null || queue != null || endpoint != null;
    }

    /** True when the user named a deployment's store: --stack, --endpoint, --queue or --table. */
    public boolean namesStore() {
        return remote() || table != null;
    }

    /**
     * The deployment's DynamoDB store (--table, the stack's TableName, SLUICE_TABLE, else sluice-dev); fails clearly
     * when the table does not exist.
     */
    public dev.sluice.infra.store.DynamoDbStateStore openStore() {
        AwsClients clients = clients();
        String t = table();
        try {
            clients.dynamoDb().describeTable(b -> b.tableName(t));
        } catch (software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException e) {
            throw CliException.invalid("no DynamoDB table " + t + " at " + (endpoint() == null ? "AWS" : endpoint())
                    + " (name it with --table or --stack, or create it with 'sluice dev --create')");
        }
        return dev.sluice.infra.store.DynamoDbStateStore.create(clients.dynamoDb(), t);
    }

    /** Sends one message to the deployment's coordinator queue. */
    public void send(dev.sluice.functions.message.CoordinatorMessage message) {
        AwsClients clients = clients();
        new dev.sluice.functions.dispatch.SqsCoordinatorQueue(clients.sqs(), queueUrl(clients))
                .send(message, java.time.Duration.ZERO);
    }

    /** The stack's outputs (empty without --stack); read once. */
    Map<String, String> stackOutputs() {
        if (stackOutputs == null) {
            stackOutputs = stack == null ? Map.of() : StackOutputs.read(clients(), stack);
        }
        return stackOutputs;
    }

    String endpoint() {
        return endpoint != null ? endpoint : System.getenv(AwsClients.ENDPOINT_ENV);
    }

    String table() {
        return first(table, stackOutputs().get("TableName"), System.getenv(Env.TABLE), "sluice-dev");
    }

    String bucket() {
        return first(bucket, stackOutputs().get("BucketName"), System.getenv(Env.BUCKET), "sluice-dev");
    }

    String queue() {
        return first(queue, stackOutputs().get("QueueUrl"), System.getenv(Env.QUEUE_URL), "sluice-dev-coordinator");
    }

    AwsClients clients() {
        String r = first(region, System.getenv(AwsClients.REGION_ENV), AwsClients.DEFAULT_REGION.id());
        String e = endpoint();
        AwsCredentialsProvider creds = null;
        if (e != null && System.getenv("AWS_ACCESS_KEY_ID") == null) {
            creds = StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")); // emulators
        }
        return AwsClients.create(Region.of(r), e == null || e.isBlank() ? null : endpointUri(e), creds);
    }

    /** An endpoint given by --endpoint or AWS_ENDPOINT_URL, checked: an http(s) URL with a host. */
    public static URI endpointUri(String endpoint) {
        URI u;
        try {
            u = new URI(endpoint.strip());
        } catch (java.net.URISyntaxException e) {
            u = null;
        }
        if (u == null || u.getScheme() == null || u.getHost() == null
                || !(u.getScheme().equalsIgnoreCase("http") || u.getScheme().equalsIgnoreCase("https"))) {
            throw CliException.invalid("endpoint '" + endpoint + "' (--endpoint or " + AwsClients.ENDPOINT_ENV
                    + ") is not an http(s) URL with a host, such as http://127.0.0.1:5000");
        }
        return u;
    }

    /** The queue URL; fails clearly when the queue does not exist (and {@code create} is off). */
    String queueUrl(AwsClients clients) {
        return DevResources.queueUrl(clients, queue()).orElseThrow(() -> CliException.invalid("no queue "
                + queue() + " at " + (endpoint() == null ? "AWS" : endpoint()) + " (use 'sluice dev --create')"));
    }

    Env.Config config(String queueUrl) {
        return config(queueUrl, Map.of());
    }

    /**
     * @param more further environment ({@code --create}'s alert topics); a deployed stack's alert topics come from
     *             its outputs (AlertTopicArn, AlertCriticalTopicArn, ...) unless the environment names them
     */
    Env.Config config(String queueUrl, Map<String, String> more) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put(Env.TABLE, table());
        env.put(Env.BUCKET, bucket());
        env.put(Env.QUEUE_URL, queueUrl);
        Map<String, String> outputs = stackOutputs();
        if (outputs.containsKey("AlertTopicArn")) {
            env.putIfAbsent(Env.ALERT_TOPIC_ARN, outputs.get("AlertTopicArn"));
        }
        StringBuilder topics = new StringBuilder();
        for (String severity : dev.sluice.functions.devhost.DevResources.SEVERITIES) {
            String arn = outputs.get("Alert" + Character.toUpperCase(severity.charAt(0)) + severity.substring(1)
                    + "TopicArn");
            if (arn != null) {
                topics.append(topics.isEmpty() ? "" : ",").append(severity).append('=').append(arn);
            }
        }
        if (!topics.isEmpty()) {
            env.putIfAbsent(Env.ALERT_TOPICS, topics.toString());
        }
        env.putAll(more);
        return Env.from(env::get);
    }

    private static String first(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }
}
