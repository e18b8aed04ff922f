package dev.sluice.cli.dev;

import dev.sluice.cli.CliException;
import dev.sluice.infra.AwsClients;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.CloudFormationException;
import software.amazon.awssdk.services.cloudformation.model.Output;
import software.amazon.awssdk.services.cloudformation.model.Stack;

/** Reads a deployed stack's outputs (template.yaml: TableName, QueueUrl, BucketName, AlertTopicArn, ...). */
public final class StackOutputs {
    private StackOutputs() {
    }

    public static Map<String, String> read(AwsClients clients, String stackName) {
        var builder = CloudFormationClient.builder().region(clients.region()).credentialsProvider(clients.credentials())
                .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create());
        if (clients.endpoint() != null) {
            builder.endpointOverride(clients.endpoint());
        }
        try (CloudFormationClient cfn = builder.build()) {
            Stack stack = cfn.describeStacks(r -> r.stackName(stackName)).stacks().stream().findFirst()
                    .orElseThrow(() -> CliException.invalid("no stack " + stackName));
            Map<String, String> out = new LinkedHashMap<>();
            for (Output o : stack.outputs()) {
                out.put(o.outputKey(), o.outputValue());
            }
            for (String needed : new String[] {"TableName", "QueueUrl", "BucketName"}) {
                if (!out.containsKey(needed)) {
                    throw CliException.invalid("stack " + stackName + " has no output " + needed
                            + "; is it a Sluice stack (template.yaml)?");
                }
            }
            return out;
        } catch (CloudFormationException e) {
            throw CliException.invalid("cannot read stack " + stackName + ": "
                    + (e.awsErrorDetails() != null ? e.awsErrorDetails().errorMessage() : e.getMessage()));
        } catch (SdkException e) {
            throw CliException.invalid("cannot read stack " + stackName + ": " + e.getMessage());
        }
    }
}
