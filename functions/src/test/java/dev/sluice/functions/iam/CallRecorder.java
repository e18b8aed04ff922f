package dev.sluice.functions.iam;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactGetItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.lambda.model.InvokeRequest;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadBucketRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.sns.model.PublishRequest;

/**
 * Records, per identity, the IAM actions and resource ARNs that each SDK call needs, as AWS authorizes them (a
 * TransactWriteItems needs PutItem/UpdateItem/DeleteItem/ConditionCheckItem per item, SendMessageBatch needs
 * SendMessage, ListObjectsV2 needs ListBucket on the bucket, ...), and the calls the emulator denied. An operation not
 * mapped here is recorded as {@code unmapped:<service>:<operation>}, which no policy allows, so a new kind of call
 * fails the static check until it is mapped.
 */
final class CallRecorder implements ExecutionInterceptor {
    private final String function;
    private final String region;
    private final String account;
    private final Queue<IamCall> calls;

    CallRecorder(String function, String region, String account, Queue<IamCall> calls) {
        this.function = function;
        this.region = region;
        this.account = account;
        this.calls = calls;
    }

    static Queue<IamCall> newLog() {
        return new ConcurrentLinkedQueue<>();
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        record(context.request(), attributes, null);
    }

    @Override
    public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
        Throwable e = context.exception();
        String denial = null;
        if (e instanceof AwsServiceException ase && ase.awsErrorDetails() != null) {
            String code = String.valueOf(ase.awsErrorDetails().errorCode());
            if (ase.statusCode() == 403 || code.contains("AccessDenied") || code.contains("Authorization")
                    || code.contains("InvalidClientTokenId") || code.contains("SignatureDoesNotMatch")) {
                denial = code + ": " + ase.awsErrorDetails().errorMessage();
            }
        }
        record(context.request(), attributes, denial);
    }

    /** Synthetic: a call made for this identity outside the SDK (an in-process Lambda invoke). */
    void invoked(String functionArn) {
        calls.add(new IamCall(function, "Invoke", "lambda:InvokeFunction", functionArn, false, null));
    }

    private void record(SdkRequest request, ExecutionAttributes attributes, String denial) {
        String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        for (String[] ar : needs(request, attributes)) {
            calls.add(new IamCall(function, operation, ar[0], ar[1], denial != null, denial));
        }
    }

    private List<String[]> needs(SdkRequest r, ExecutionAttributes attributes) {
        List<String[]> out = new ArrayList<>();
        // DynamoDB
        if (r instanceof GetItemRequest q) {
            out.add(new String[] {"dynamodb:GetItem", table(q.tableName())});
        } else if (r instanceof BatchGetItemRequest q) {
            q.requestItems().keySet().forEach(t -> out.add(new String[] {"dynamodb:BatchGetItem", table(t)}));
        } else if (r instanceof PutItemRequest q) {
            out.add(new String[] {"dynamodb:PutItem", table(q.tableName())});
        } else if (r instanceof UpdateItemRequest q) {
            out.add(new String[] {"dynamodb:UpdateItem", table(q.tableName())});
        } else if (r instanceof DeleteItemRequest q) {
            out.add(new String[] {"dynamodb:DeleteItem", table(q.tableName())});
        } else if (r instanceof QueryRequest q) {
            out.add(new String[] {"dynamodb:Query", q.indexName() == null ? table(q.tableName())
                    : table(q.tableName()) + "/index/" + q.indexName()});
        } else if (r instanceof ScanRequest q) {
            out.add(new String[] {"dynamodb:Scan", q.indexName() == null ? table(q.tableName())
                    : table(q.tableName()) + "/index/" + q.indexName()});
        } else if (r instanceof TransactWriteItemsRequest q) {
            for (TransactWriteItem i : q.transactItems()) {
                if (i.put() != null) {
                    out.add(new String[] {"dynamodb:PutItem", table(i.put().tableName())});
                } else if (i.update() != null) {
                    out.add(new String[] {"dynamodb:UpdateItem", table(i.update().tableName())});
                } else if (i.delete() != null) {
                    out.add(new String[] {"dynamodb:DeleteItem", table(i.delete().tableName())});
                } else if (i.conditionCheck() != null) {
                    out.add(new String[] {"dynamodb:ConditionCheckItem", table(i.conditionCheck().tableName())});
                }
            }
        } else if (r instanceof TransactGetItemsRequest q) {
            q.transactItems().forEach(i -> out.add(new String[] {"dynamodb:GetItem", table(i.get().tableName())}));
        } else if (r instanceof BatchWriteItemRequest q) {
            q.requestItems().keySet().forEach(t -> out.add(new String[] {"dynamodb:BatchWriteItem", table(t)}));
        } else if (r instanceof DescribeTableRequest q) {
            out.add(new String[] {"dynamodb:DescribeTable", table(q.tableName())});
        // S3
        } else if (r instanceof ListObjectsV2Request q) {
            out.add(new String[] {"s3:ListBucket", "arn:aws:s3:::" + q.bucket()});
        } else if (r instanceof HeadBucketRequest q) {
            out.add(new String[] {"s3:ListBucket", "arn:aws:s3:::" + q.bucket()});
        } else if (r instanceof GetObjectRequest q) {
            out.add(new String[] {q.versionId() == null ? "s3:GetObject" : "s3:GetObjectVersion",
                    "arn:aws:s3:::" + q.bucket() + "/" + q.key()});
        } else if (r instanceof HeadObjectRequest q) {
            out.add(new String[] {q.versionId() == null ? "s3:GetObject" : "s3:GetObjectVersion",
                    "arn:aws:s3:::" + q.bucket() + "/" + q.key()});
        } else if (r instanceof PutObjectRequest q) {
            out.add(new String[] {"s3:PutObject", "arn:aws:s3:::" + q.bucket() + "/" + q.key()});
        // SQS: batch operations are authorized as their single-message actions
        } else if (r instanceof software.amazon.awssdk.services.sqs.model.SendMessageRequest q) {
            out.add(new String[] {"sqs:SendMessage", queue(q.queueUrl())});
        } else if (r instanceof software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest q) {
            out.add(new String[] {"sqs:SendMessage", queue(q.queueUrl())});
        } else if (r instanceof software.amazon.awssdk.services.sqs.model.ReceiveMessageRequest q) {
            out.add(new String[] {"sqs:ReceiveMessage", queue(q.queueUrl())});
        } else if (r instanceof software.amazon.awssdk.services.sqs.model.DeleteMessageRequest q) {
            out.add(new String[] {"sqs:DeleteMessage", queue(q.queueUrl())});
        } else if (r instanceof software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequest q) {
            out.add(new String[] {"sqs:DeleteMessage", queue(q.queueUrl())});
        } else if (r instanceof software.amazon.awssdk.services.sqs.model.GetQueueAttributesRequest q) {
            out.add(new String[] {"sqs:GetQueueAttributes", queue(q.queueUrl())});
        } else if (r instanceof software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityRequest q) {
            out.add(new String[] {"sqs:ChangeMessageVisibility", queue(q.queueUrl())});
        } else if (r instanceof software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequest q) {
            out.add(new String[] {"sqs:ChangeMessageVisibility", queue(q.queueUrl())});
        // SNS, Lambda
        } else if (r instanceof PublishRequest q) {
            out.add(new String[] {"sns:Publish", q.topicArn()});
        } else if (r instanceof InvokeRequest q) {
            out.add(new String[] {"lambda:InvokeFunction", lambda(q.functionName(), q.qualifier())});
        } else {
            out.add(new String[] {"unmapped:" + attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME) + ":"
                    + attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME), "*"});
        }
        return out;
    }

    private String table(String name) {
        return name.startsWith("arn:") ? name : "arn:aws:dynamodb:" + region + ":" + account + ":table/" + name;
    }

    /** {@code http://host/<account>/<name>} -> the queue's ARN. */
    private String queue(String url) {
        String[] path = URI.create(url).getPath().split("/");
        return "arn:aws:sqs:" + region + ":" + path[path.length - 2] + ":" + path[path.length - 1];
    }

    private String lambda(String name, String qualifier) {
        String arn = name.startsWith("arn:") ? name : "arn:aws:lambda:" + region + ":" + account + ":function:" + name;
        return qualifier == null ? arn : arn + ":" + qualifier;
    }
}
