package dev.sluice.functions.jar;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.UUID;

/**
 * Stands in for the Lambda Java runtime in a fresh JVM whose class path is this class and the Lambda jar: it loads
 * the handler that template.yaml names ({@code Class::handleRequest}) as the runtime does (by name, no-argument
 * constructor, during the init phase), then hands it one event per stdin line, as one warm container would, with a
 * {@link Context} whose time limit is {@code AWS_LAMBDA_FUNCTION_TIMEOUT} seconds.
 *
 * <p>It uses nothing but the JDK and the Lambda runtime interfaces (aws-lambda-java-core, which the jar carries),
 * so a class missing from the jar fails here as it would on Lambda. Its reports are single stdout lines, among the
 * handler's own log lines:
 * <pre>
 * @@runtime init MS_SINCE_JVM_START ok|error BASE64(error)
 * @@runtime event N MS_SINCE_JVM_START HANDLER_MS ok|error BASE64(response or error)
 * </pre>
 * Used by {@link LambdaJarIT} and by {@code CoordinatorBench cold-jar} (docs/performance.md).
 */
public final class LambdaRuntimeStandIn {
    public static final String MARK = "@@runtime ";

    private LambdaRuntimeStandIn() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1 || !args[0].contains("::")) {
            System.err.println("usage: LambdaRuntimeStandIn some.Handler::handleRequest  (events on stdin, one a line)");
            System.exit(2);
        }
        String className = args[0].substring(0, args[0].indexOf("::"));
        String method = args[0].substring(args[0].indexOf("::") + 2);
        long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
        RequestStreamHandler handler;
        try {
            if (!method.equals("handleRequest")) {
                throw new IllegalArgumentException("a RequestStreamHandler's method is handleRequest, not " + method);
            }
            Class<?> c = Class.forName(className, true, LambdaRuntimeStandIn.class.getClassLoader());
            handler = (RequestStreamHandler) c.getDeclaredConstructor().newInstance();
        } catch (Throwable t) {
            report("init " + (System.currentTimeMillis() - jvmStart) + " error " + encode(stackTrace(t)));
            System.exit(1);
            return;
        }
        report("init " + (System.currentTimeMillis() - jvmStart) + " ok -");

        String function = System.getenv().getOrDefault("AWS_LAMBDA_FUNCTION_NAME", className);
        long timeoutMs = Long.parseLong(System.getenv().getOrDefault("AWS_LAMBDA_FUNCTION_TIMEOUT", "900")) * 1000;
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        int n = 0;
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.isBlank()) {
                continue;
            }
            n++;
            long start = System.nanoTime();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            String outcome;
            try {
                handler.handleRequest(new ByteArrayInputStream(line.getBytes(StandardCharsets.UTF_8)), out,
                        new StandInContext(function, timeoutMs));
                outcome = "ok " + encode(out.toString(StandardCharsets.UTF_8));
            } catch (Throwable t) {
                outcome = "error " + encode(stackTrace(t));
            }
            long handlerMs = (System.nanoTime() - start) / 1_000_000;
            report("event " + n + " " + (System.currentTimeMillis() - jvmStart) + " " + handlerMs + " " + outcome);
        }
    }

    private static void report(String line) {
        System.out.println(MARK + line);
        System.out.flush();
    }

    private static String encode(String s) {
        return s.isEmpty() ? "-" : Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String stackTrace(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString();
    }

    /** The invocation's context: a fresh request id and the function's time limit. */
    private static final class StandInContext implements Context {
        private final String function;
        private final String requestId = UUID.randomUUID().toString();
        private final long deadline;

        StandInContext(String function, long timeoutMs) {
            this.function = function;
            this.deadline = System.currentTimeMillis() + timeoutMs;
        }

        @Override
        public String getAwsRequestId() {
            return requestId;
        }

        @Override
        public String getLogGroupName() {
            return "/aws/lambda/" + function;
        }

        @Override
        public String getLogStreamName() {
            return "stand-in";
        }

        @Override
        public String getFunctionName() {
            return function;
        }

        @Override
        public String getFunctionVersion() {
            return "$LATEST";
        }

        @Override
        public String getInvokedFunctionArn() {
            return "arn:aws:lambda:us-east-1:123456789012:function:" + function;
        }

        @Override
        public CognitoIdentity getIdentity() {
            return null;
        }

        @Override
        public ClientContext getClientContext() {
            return null;
        }

        @Override
        public int getRemainingTimeInMillis() {
            return (int) Math.max(0, deadline - System.currentTimeMillis());
        }

        @Override
        public int getMemoryLimitInMB() {
            return 1024;
        }

        @Override
        public LambdaLogger getLogger() {
            return new LambdaLogger() {
                @Override
                public void log(String message) {
                    System.out.println(message);
                }

                @Override
                public void log(byte[] message) {
                    System.out.println(new String(message, StandardCharsets.UTF_8));
                }
            };
        }
    }
}
