package dev.sluice.functions.support;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Lambda context whose time runs out after a number of readings: the first {@code plenty} calls of
 * {@link #getRemainingTimeInMillis()} answer a full minute, every later one a second (less than any sane margin).
 * The work budget reads the time once when the invocation starts and once before each unit of work, so
 * {@code new RunsOutContext(n + 1)} lets n units start.
 */
public final class RunsOutContext implements Context {
    private final AtomicInteger plenty;
    private final AtomicInteger readings = new AtomicInteger();

    public RunsOutContext(int plenty) {
        this.plenty = new AtomicInteger(plenty);
    }

    /** How often the remaining time was read. */
    public int readings() {
        return readings.get();
    }

    @Override
    public int getRemainingTimeInMillis() {
        readings.incrementAndGet();
        return plenty.getAndDecrement() > 0 ? 60_000 : 1_000;
    }

    @Override public String getAwsRequestId() { return "runs-out"; }
    @Override public String getLogGroupName() { return "test"; }
    @Override public String getLogStreamName() { return "test"; }
    @Override public String getFunctionName() { return "coordinator"; }
    @Override public String getFunctionVersion() { return "$LATEST"; }
    @Override public String getInvokedFunctionArn() { return "arn:aws:lambda:us-east-1:000000000000:function:coordinator"; }
    @Override public CognitoIdentity getIdentity() { return null; }
    @Override public ClientContext getClientContext() { return null; }
    @Override public int getMemoryLimitInMB() { return 1024; }

    @Override
    public LambdaLogger getLogger() {
        return new LambdaLogger() {
            @Override
            public void log(String message) {
                System.out.println(message);
            }

            @Override
            public void log(byte[] message) {
                System.out.println(new String(message, java.nio.charset.StandardCharsets.UTF_8));
            }
        };
    }
}
