package dev.sluice.infra.testing;

import java.io.IOException;
import java.util.concurrent.locks.ReentrantLock;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;

/**
 * Sends one request at a time (across every client in the JVM), reading each response fully before the next, for
 * emulators that do not isolate concurrent requests (moto). Real DynamoDB and LocalStack do not need it.
 */
final class SerializingHttpClient implements SdkHttpClient {
    private static final ReentrantLock LOCK = new ReentrantLock(true);
    private final SdkHttpClient delegate;

    SerializingHttpClient(SdkHttpClient delegate) {
        this.delegate = delegate;
    }

    @Override
    public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
        ExecutableHttpRequest inner = delegate.prepareRequest(request);
        return new ExecutableHttpRequest() {
            @Override
            public HttpExecuteResponse call() throws IOException {
                LOCK.lock();
                try {
                    HttpExecuteResponse r = inner.call();
                    if (r.responseBody().isEmpty()) {
                        return r;
                    }
                    byte[] body = r.responseBody().get().readAllBytes();
                    r.responseBody().get().close();
                    return HttpExecuteResponse.builder().response(r.httpResponse())
                            .responseBody(software.amazon.awssdk.http.AbortableInputStream.create(
                                    new java.io.ByteArrayInputStream(body))).build();
                } finally {
                    LOCK.unlock();
                }
            }

            @Override
            public void abort() {
                inner.abort();
            }
        };
    }

    @Override
    public String clientName() {
        return "Serializing(" + delegate.clientName() + ")";
    }

    @Override
    public void close() {
        delegate.close();
    }
}
