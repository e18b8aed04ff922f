package dev.sluice.cli.dev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.cli.CliException;
import dev.sluice.infra.testing.AwsEndpointExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;

/** {@code --stack NAME} reads the table, bucket and queue from a deployed stack's outputs (moto's CloudFormation). */
class StackOutputsIT {
    @RegisterExtension
    static final AwsEndpointExtension AWS = new AwsEndpointExtension();

    private static final String TEMPLATE = """
            {"Resources": {
               "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "stack-it-coordinator"}},
               "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "stack-it-data"}}},
             "Outputs": {
               "TableName": {"Value": "stack-it-table"},
               "QueueUrl": {"Value": {"Ref": "Queue"}},
               "BucketName": {"Value": {"Ref": "Bucket"}}}}""";

    private DevOptions options(String stack) {
        DevOptions o = new DevOptions();
        o.endpoint = AWS.endpoint().toString();
        o.region = "us-east-1";
        o.stack = stack;
        return o;
    }

    @Test
    void namesComeFromTheStackOutputsUnlessGivenAsFlags() {
        var clients = options(null).clients();
        try (CloudFormationClient cfn = CloudFormationClient.builder().region(clients.region())
                .credentialsProvider(clients.credentials()).endpointOverride(AWS.endpoint())
                .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create()).build()) {
            cfn.createStack(r -> r.stackName("sluice-it").templateBody(TEMPLATE));
        }
        DevOptions o = options("sluice-it");
        assertThat(o.table()).isEqualTo("stack-it-table");
        assertThat(o.bucket()).isEqualTo("stack-it-data");
        assertThat(o.queue()).endsWith("/stack-it-coordinator");
        assertThat(o.stackOutputs()).containsKeys("TableName", "QueueUrl", "BucketName");
        DevOptions flagged = options("sluice-it");
        flagged.table = "explicit";
        assertThat(flagged.table()).isEqualTo("explicit");
    }

    @Test
    void dlqListFindsTheDeadLetterQueueThroughTheStack() {
        String template = """
                {"Resources": {
                   "Dlq": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "stack-it-dlq"}}},
                 "Outputs": {"TableName": {"Value": "stack-it-dlq-table"}, "BucketName": {"Value": "stack-it-dlq-data"},
                             "QueueUrl": {"Value": "stack-it-dlq-coordinator"},
                             "CoordinatorDeadLetterQueueUrl": {"Value": {"Ref": "Dlq"}}}}""";
        var clients = options(null).clients();
        try (CloudFormationClient cfn = CloudFormationClient.builder().region(clients.region())
                .credentialsProvider(clients.credentials()).endpointOverride(AWS.endpoint())
                .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create()).build()) {
            cfn.createStack(r -> r.stackName("sluice-it-dlq").templateBody(template));
        }
        String dlq = clients.sqs().getQueueUrl(b -> b.queueName("stack-it-dlq")).queueUrl();
        clients.sqs().sendMessage(b -> b.queueUrl(dlq).messageBody("{\"type\":\"poison-from-stack-it\"}"));
        dev.sluice.cli.CliRunner.Result r = dev.sluice.cli.CliRunner.run("dlq", "list", "--json", "--stack",
                "sluice-it-dlq", "--endpoint", AWS.endpoint().toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("poison-from-stack-it");
    }

    @Test
    void aMissingStackIsAClearError() {
        assertThatThrownBy(() -> options("no-such-stack").table())
                .isInstanceOf(CliException.class).hasMessageContaining("no-such-stack");
    }
}
