package dev.sluice.functions;

import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The functions' configuration: the environment variable names (template.yaml sets them; the template drift test
 * scans this class for them) and one immutable {@link Config} read from them. Nothing else reads the environment.
 */
public final class Env {
    public static final String TABLE = "SLUICE_TABLE";
    public static final String BUCKET = "SLUICE_BUCKET";
    public static final String QUEUE_URL = "SLUICE_QUEUE_URL";
    public static final String DAGS_PREFIX = "SLUICE_DAGS_PREFIX";
    public static final String PAYLOAD_THRESHOLD_BYTES = "SLUICE_PAYLOAD_THRESHOLD_BYTES";
    public static final String ALERT_TOPIC_ARN = "SLUICE_ALERT_TOPIC_ARN";
    /** The command runner's SNS topic per alert severity: {@code critical=ARN,warning=ARN,info=ARN}. */
    public static final String ALERT_TOPICS = "SLUICE_ALERT_TOPICS";
    public static final String COMMAND_RUNNER_FUNCTION = "SLUICE_COMMAND_RUNNER_FUNCTION";
    /** The function of each handler class, by naming convention: see {@link dev.sluice.functions.dispatch.FunctionRouter}. */
    public static final String HANDLER_FUNCTION_PATTERN = "SLUICE_HANDLER_FUNCTION_PATTERN";
    public static final String STAGE = "SLUICE_STAGE";
    public static final String TASK_CLASS = "SLUICE_TASK_CLASS";
    /** The CloudFormation stack, named in alerts so that their CLI commands can be pasted as they are. */
    public static final String STACK_NAME = "SLUICE_STACK_NAME";
    /**
     * The coordinator's safety margin in milliseconds: the tick and an SQS batch start no unit of work with less of
     * the invocation's time left, and continue the rest (a {@code tick} message, batch item failures).
     */
    public static final String TIME_MARGIN_MS = "SLUICE_TIME_MARGIN_MS";
    /**
     * Days a run's offloaded payloads live (template.yaml sets it from PayloadRetentionDays); a run's DynamoDB items
     * expire (TTL) one day later than that after their last write, so an item never goes before the payloads written
     * with it (S3 rounds a lifecycle expiry up to the next midnight UTC). Unset or blank: items are kept for ever.
     */
    /**
     * The coordinator queue's dead-letter queue: the tick sends its messages back to the coordinator queue, each at
     * most {@link dev.sluice.functions.dispatch.DeadLetterRedrive#DEFAULT_MAX_REDRIVES} times. Unset: no redrive.
     */
    public static final String DLQ_URL = "SLUICE_DLQ_URL";
    public static final String RUN_RETENTION_DAYS = "SLUICE_RUN_RETENTION_DAYS";

    public static final String DEFAULT_DAGS_PREFIX = "dags/";
    public static final int DEFAULT_PAYLOAD_THRESHOLD_BYTES = 65_536;
    /** A sixth of the coordinator's 60 s timeout: room for the slowest unit (a decision deciding again, its sends). */
    public static final java.time.Duration DEFAULT_TIME_MARGIN = java.time.Duration.ofSeconds(10);

    private Env() {
    }

    /**
     * @param handlerFunctionPattern the function name or ARN of handler classes, {@code {name}} standing for the
     *                         class's simple name (FunctionRouter), or null for none
     * @param taskClass        the Task class a task function hosts, or null to host the class each invocation names
     * @param alertTopicArn    the SNS topic of alerts (failed runs, missed SLAs), or null for no alerts
     * @param stackName        the deployment's stack name, or null
     * @param timeMargin       the coordinator's safety margin ({@link #TIME_MARGIN_MS}); null for the default
     * @param runRetention     how long run items live after their last write ({@link #RUN_RETENTION_DAYS}), or null
     *                         for ever
     * @param deadLetterQueueUrl the coordinator DLQ that the tick redrives ({@link #DLQ_URL}), or null for none
     * @param alertTopics      the command runner's topic per alert severity ({@link #ALERT_TOPICS}); empty for none
     */
    public record Config(String table, String bucket, String queueUrl, String dagsPrefix, int payloadThresholdBytes,
                         String alertTopicArn, String commandRunnerFunction, String handlerFunctionPattern,
                         String stage, String taskClass, String stackName, java.time.Duration timeMargin,
                         java.time.Duration runRetention, String deadLetterQueueUrl, Map<String, String> alertTopics) {
        public Config(String table, String bucket, String queueUrl, String dagsPrefix, int payloadThresholdBytes,
                      String alertTopicArn, String commandRunnerFunction, String handlerFunctionPattern,
                      String stage, String taskClass, String stackName, java.time.Duration timeMargin,
                      java.time.Duration runRetention, String deadLetterQueueUrl) {
            this(table, bucket, queueUrl, dagsPrefix, payloadThresholdBytes, alertTopicArn, commandRunnerFunction,
                    handlerFunctionPattern, stage, taskClass, stackName, timeMargin, runRetention, deadLetterQueueUrl,
                    Map.of());
        }

        public Config(String table, String bucket, String queueUrl, String dagsPrefix, int payloadThresholdBytes,
                      String alertTopicArn, String commandRunnerFunction, String handlerFunctionPattern,
                      String stage, String taskClass, String stackName) {
            this(table, bucket, queueUrl, dagsPrefix, payloadThresholdBytes, alertTopicArn, commandRunnerFunction,
                    handlerFunctionPattern, stage, taskClass, stackName, null);
        }

        public Config(String table, String bucket, String queueUrl, String dagsPrefix, int payloadThresholdBytes,
                      String alertTopicArn, String commandRunnerFunction, String handlerFunctionPattern,
                      String stage, String taskClass, String stackName, java.time.Duration timeMargin) {
            this(table, bucket, queueUrl, dagsPrefix, payloadThresholdBytes, alertTopicArn, commandRunnerFunction,
                    handlerFunctionPattern, stage, taskClass, stackName, timeMargin, null, null, Map.of());
        }

        public Config {
            timeMargin = timeMargin == null ? DEFAULT_TIME_MARGIN : timeMargin;
            alertTopics = alertTopics == null ? Map.of() : Map.copyOf(alertTopics);
            if (timeMargin.isNegative()) {
                throw new IllegalArgumentException(TIME_MARGIN_MS + " must not be negative, got " + timeMargin);
            }
            dagsPrefix = dagsPrefix == null || dagsPrefix.isBlank() ? DEFAULT_DAGS_PREFIX : dagsPrefix;
            if (runRetention != null && (runRetention.isNegative() || runRetention.isZero())) {
                throw new IllegalArgumentException(RUN_RETENTION_DAYS + " must be positive, got " + runRetention);
            }
            if (payloadThresholdBytes < 1024) {
                throw new IllegalArgumentException(PAYLOAD_THRESHOLD_BYTES + " must be at least 1024, got "
                        + payloadThresholdBytes);
            }
        }

        public Config withDeadLetterQueueUrl(String url) {
            return new Config(table, bucket, queueUrl, dagsPrefix, payloadThresholdBytes, alertTopicArn,
                    commandRunnerFunction, handlerFunctionPattern, stage, taskClass, stackName, timeMargin,
                    runRetention, url, alertTopics);
        }

        public Config withQueueUrl(String url) {
            return new Config(table, bucket, url, dagsPrefix, payloadThresholdBytes, alertTopicArn,
                    commandRunnerFunction, handlerFunctionPattern, stage, taskClass, stackName, timeMargin,
                    runRetention, deadLetterQueueUrl, alertTopics);
        }

        public Config withTaskClass(String cls) {
            return new Config(table, bucket, queueUrl, dagsPrefix, payloadThresholdBytes, alertTopicArn,
                    commandRunnerFunction, handlerFunctionPattern, stage, cls, stackName, timeMargin,
                    runRetention, deadLetterQueueUrl, alertTopics);
        }

        public Config withAlertTopicArn(String arn) {
            return new Config(table, bucket, queueUrl, dagsPrefix, payloadThresholdBytes, arn,
                    commandRunnerFunction, handlerFunctionPattern, stage, taskClass, stackName, timeMargin,
                    runRetention, deadLetterQueueUrl, alertTopics);
        }

        /** Checks that the settings a component needs are present; names the missing variable. */
        public Config require(String... names) {
            for (String n : names) {
                String v = switch (n) {
                    case TABLE -> table;
                    case BUCKET -> bucket;
                    case QUEUE_URL -> queueUrl;
                    case COMMAND_RUNNER_FUNCTION -> commandRunnerFunction;
                    default -> throw new IllegalArgumentException("not a required setting: " + n);
                };
                if (v == null || v.isBlank()) {
                    throw new IllegalStateException("environment variable " + n + " is not set");
                }
            }
            return this;
        }
    }

    /** The configuration from the process environment. */
    public static Config fromEnvironment() {
        return from(System::getenv);
    }

    /** The configuration from any name -> value lookup (tests, {@code sluice dev}). */
    public static Config from(Function<String, String> lookup) {
        Objects.requireNonNull(lookup, "lookup");
        String threshold = lookup.apply(PAYLOAD_THRESHOLD_BYTES);
        int bytes;
        try {
            bytes = threshold == null || threshold.isBlank() ? DEFAULT_PAYLOAD_THRESHOLD_BYTES
                    : Integer.parseInt(threshold.strip());
        } catch (NumberFormatException e) {
            throw new IllegalStateException(PAYLOAD_THRESHOLD_BYTES + " is not a number: " + threshold);
        }
        return new Config(blankToNull(lookup.apply(TABLE)), blankToNull(lookup.apply(BUCKET)),
                blankToNull(lookup.apply(QUEUE_URL)), lookup.apply(DAGS_PREFIX), bytes,
                blankToNull(lookup.apply(ALERT_TOPIC_ARN)), blankToNull(lookup.apply(COMMAND_RUNNER_FUNCTION)),
                blankToNull(lookup.apply(HANDLER_FUNCTION_PATTERN)), blankToNull(lookup.apply(STAGE)),
                blankToNull(lookup.apply(TASK_CLASS)), blankToNull(lookup.apply(STACK_NAME)),
                timeMargin(lookup.apply(TIME_MARGIN_MS)), runRetention(lookup.apply(RUN_RETENTION_DAYS)),
                blankToNull(lookup.apply(DLQ_URL)), alertTopics(lookup.apply(ALERT_TOPICS)));
    }

    static java.time.Duration runRetention(String days) {
        if (days == null || days.isBlank()) {
            return null;
        }
        try {
            long v = Long.parseLong(days.strip());
            if (v < 1) {
                throw new IllegalStateException(RUN_RETENTION_DAYS + " must be at least 1, got " + days);
            }
            return java.time.Duration.ofDays(v + 1);
        } catch (NumberFormatException e) {
            throw new IllegalStateException(RUN_RETENTION_DAYS + " is not a number of days: " + days);
        }
    }

    /** {@code critical=ARN,warning=ARN}: severity -> topic ARN, in order. */
    static Map<String, String> alertTopics(String v) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        if (v == null || v.isBlank()) {
            return out;
        }
        for (String part : v.split(",")) {
            int eq = part.indexOf('=');
            if (eq <= 0 || eq == part.length() - 1) {
                throw new IllegalStateException(ALERT_TOPICS + " must be severity=ARN pairs separated by commas, got '"
                        + part.strip() + "'");
            }
            out.put(part.substring(0, eq).strip(), part.substring(eq + 1).strip());
        }
        return out;
    }

    static java.time.Duration timeMargin(String ms) {
        if (ms == null || ms.isBlank()) {
            return DEFAULT_TIME_MARGIN;
        }
        try {
            long v = Long.parseLong(ms.strip());
            if (v < 0) {
                throw new IllegalStateException(TIME_MARGIN_MS + " must not be negative, got " + ms);
            }
            return java.time.Duration.ofMillis(v);
        } catch (NumberFormatException e) {
            throw new IllegalStateException(TIME_MARGIN_MS + " is not a number of milliseconds: " + ms);
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
