package dev.sluice.cli.dlq;

import dev.sluice.cli.CliException;
import dev.sluice.functions.Env;
import dev.sluice.functions.devhost.DevResources;
import dev.sluice.infra.AwsClients;
import picocli.CommandLine.Option;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * Where the coordinator's dead-letter queue is. Names follow {@code sluice dev}: the coordinator queue is
 * SLUICE_QUEUE_URL, else {@code sluice-dev-coordinator}, and its DLQ is SLUICE_DLQ_URL, else the coordinator
 * queue's name with {@code -dlq} appended (as {@code sluice dev --create} makes it). On AWS, {@code --stack NAME} reads
 * the stack outputs CoordinatorDeadLetterQueueUrl and QueueUrl.
 */
public final class DlqOptions {
    /** The DLQ of the coordinator queue, when not given. */
    public static final String DLQ_ENV = "SLUICE_DLQ_URL";
    static final String DEFAULT_QUEUE = "sluice-dev-coordinator";

    @Option(names = "--endpoint", paramLabel = "URL",
            description = "AWS API endpoint (LocalStack, moto server); default AWS_ENDPOINT_URL, else real AWS.")
    String endpoint;

    @Option(names = "--region", paramLabel = "REGION", description = "Default AWS_REGION, else us-east-1.")
    String region;

    @Option(names = "--queue", paramLabel = "NAME|URL",
            description = "The dead-letter queue (default " + DLQ_ENV + ", else <coordinator queue>-dlq).")
    String dlq;

    @Option(names = "--stack", paramLabel = "NAME",
            description = "A deployed Sluice stack: the queues come from its outputs (CoordinatorDeadLetterQueueUrl, "
                    + "QueueUrl) unless given as flags.")
    String stack;

    private java.util.Map<String, String> stackOutputs;

    private java.util.Map<String, String> stackOutputs() {
        if (stackOutputs == null) {
            if (stack == null) {
                stackOutputs = java.util.Map.of();
            } else {
                try (AwsClients c = clients()) {
                    stackOutputs = dev.sluice.cli.dev.StackOutputs.read(c, stack);
                }
            }
        }
        return stackOutputs;
    }

    AwsClients clients() {
        String r = first(region, System.getenv(AwsClients.REGION_ENV), AwsClients.DEFAULT_REGION.id());
        String e = first(endpoint, System.getenv(AwsClients.ENDPOINT_ENV));
        AwsCredentialsProvider creds = null;
        if (e != null && System.getenv("AWS_ACCESS_KEY_ID") == null) {
            creds = StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")); // emulators
        }
        return AwsClients.create(Region.of(r), e == null ? null : dev.sluice.cli.dev.DevOptions.endpointUri(e), creds);
    }

    static void requirePositive(int max) {
        if (max < 1) {
            throw CliException.invalid("--max must be at least 1, got " + max);
        }
    }

    String coordinatorQueue(String given) {
        return first(given, stackOutputs().get("QueueUrl"), System.getenv(Env.QUEUE_URL), DEFAULT_QUEUE);
    }

    String dlq() {
        if (dlq != null && !dlq.isBlank()) {
            return dlq;
        }
        String fromStack = stackOutputs().get("CoordinatorDeadLetterQueueUrl");
        if (fromStack != null) {
            return fromStack;
        }
        String env = System.getenv(DLQ_ENV);
        if (env != null && !env.isBlank()) {
            return env;
        }
        String q = coordinatorQueue(null);
        return q.substring(q.lastIndexOf('/') + 1) + "-dlq";
    }

    /** A queue's URL from its name or URL; fails clearly when there is no such queue. */
    static String url(AwsClients clients, String nameOrUrl, String what) {
        return DevResources.queueUrl(clients, nameOrUrl).orElseThrow(() -> CliException.invalid("no " + what + " "
                + nameOrUrl + " at " + (clients.endpoint() == null ? "AWS" : clients.endpoint())));
    }

    static String first(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }
}
