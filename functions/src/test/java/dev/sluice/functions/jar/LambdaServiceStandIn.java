package dev.sluice.functions.jar;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The AWS endpoint the functions under test are given: Lambda's Invoke API is answered here, everything else
 * (DynamoDB, S3, SQS, SNS) is passed through unchanged to the integration tests' emulator.
 * <ul>
 *   <li>An asynchronous invoke ({@code X-Amz-Invocation-Type: Event}, the coordinator dispatching a task) is
 *       accepted (202) and queued for the test, which delivers the payload to the named function as Lambda would.</li>
 *   <li>A synchronous invoke (the command runner's {@code function:} tasks) is answered by {@code sync}: status,
 *       {@code X-Amz-Function-Error} and body, or a Lambda service error.</li>
 * </ul>
 * So the SDK's Lambda client in the jar marshals, signs and sends real requests and parses real responses, errors
 * included.
 */
public final class LambdaServiceStandIn implements AutoCloseable {
    private static final Pattern INVOKE = Pattern.compile("^/2015-03-31/functions/([^/]+)/invocations$");
    /** Headers the JDK client sets itself or refuses to forward. */
    private static final Set<String> HOP = Set.of("connection", "content-length", "expect", "host", "upgrade",
            "transfer-encoding", "keep-alive", "date");

    /** An asynchronous invocation: the function's name (from a name or an ARN) and the event. */
    public record Invocation(String function, String payload) {
    }

    /** The answer to a synchronous invoke. {@code errorType} set: a Lambda service error of that HTTP status. */
    public record SyncAnswer(int status, String functionError, String body, String errorType) {
        public static SyncAnswer ok(String body) {
            return new SyncAnswer(200, null, body, null);
        }

        public static SyncAnswer functionError(String body) {
            return new SyncAnswer(200, "Unhandled", body, null);
        }

        public static SyncAnswer serviceError(int status, String errorType, String message) {
            return new SyncAnswer(status, null, "{\"Type\":\"User\",\"message\":\"" + message + "\"}", errorType);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(8);
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10)).build();
    private final URI upstream;
    private final BiFunction<String, String, SyncAnswer> sync;
    private final BlockingQueue<Invocation> async = new LinkedBlockingQueue<>();

    /**
     * @param upstream the emulator every other request goes to
     * @param sync     function name, payload -> the answer of a synchronous invoke
     */
    public LambdaServiceStandIn(URI upstream, BiFunction<String, String, SyncAnswer> sync) {
        this.upstream = upstream;
        this.sync = sync;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The next asynchronous invocation, waiting up to {@code timeout}; null if none came. */
    public Invocation nextAsync(Duration timeout) throws InterruptedException {
        return async.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body = ex.getRequestBody().readAllBytes();
            String path = ex.getRequestURI().getRawPath();
            Matcher m = INVOKE.matcher(path);
            if (m.matches() && ex.getRequestMethod().equals("POST")) {
                invoke(ex, functionName(m.group(1)), new String(body, StandardCharsets.UTF_8));
            } else {
                forward(ex, body);
            }
        } catch (RuntimeException | IOException e) {
            e.printStackTrace();
            throw e;
        }
    }

    /** {@code my-fn}, {@code arn:aws:lambda:REGION:ACCOUNT:function:my-fn[:alias]} -> {@code my-fn}. */
    static String functionName(String raw) {
        String s = URLDecoder.decode(raw, StandardCharsets.UTF_8);
        int i = s.indexOf(":function:");
        if (i >= 0) {
            s = s.substring(i + ":function:".length());
            int colon = s.indexOf(':');
            return colon < 0 ? s : s.substring(0, colon);
        }
        return s;
    }

    private void invoke(HttpExchange ex, String function, String payload) throws IOException {
        String type = ex.getRequestHeaders().getFirst("X-Amz-Invocation-Type");
        if ("Event".equals(type)) {
            async.add(new Invocation(function, payload));
            ex.getResponseHeaders().add("x-amzn-RequestId", java.util.UUID.randomUUID().toString());
            ex.sendResponseHeaders(202, -1);
            return;
        }
        SyncAnswer a = sync.apply(function, payload);
        byte[] out = a.body() == null ? new byte[0] : a.body().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.getResponseHeaders().add("x-amzn-RequestId", java.util.UUID.randomUUID().toString());
        if (a.errorType() != null) {
            ex.getResponseHeaders().add("x-amzn-ErrorType", a.errorType());
        } else {
            ex.getResponseHeaders().add("X-Amz-Executed-Version", "$LATEST");
        }
        if (a.functionError() != null) {
            ex.getResponseHeaders().add("X-Amz-Function-Error", a.functionError());
        }
        ex.sendResponseHeaders(a.status(), out.length == 0 ? -1 : out.length);
        if (out.length > 0) {
            ex.getResponseBody().write(out);
        }
    }

    private void forward(HttpExchange ex, byte[] body) throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(upstream.resolve(ex.getRequestURI().getRawPath()
                + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery())))
                .timeout(Duration.ofSeconds(120))
                .method(ex.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        for (Map.Entry<String, List<String>> h : ex.getRequestHeaders().entrySet()) {
            if (!HOP.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                for (String v : h.getValue()) {
                    b.header(h.getKey(), v);
                }
            }
        }
        HttpResponse<byte[]> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        r.headers().map().forEach((k, vs) -> {
            if (!HOP.contains(k.toLowerCase(Locale.ROOT)) && !k.startsWith(":")) {
                vs.forEach(v -> ex.getResponseHeaders().add(k, v));
            }
        });
        if (ex.getRequestMethod().equals("HEAD")) {   // the object's length, not the (empty) body's
            r.headers().firstValue("content-length").ifPresent(v -> ex.getResponseHeaders().set("Content-Length", v));
        }
        byte[] out = r.body();
        boolean noBody = ex.getRequestMethod().equals("HEAD") || r.statusCode() == 204 || r.statusCode() == 304
                || out.length == 0;
        ex.sendResponseHeaders(r.statusCode(), noBody ? -1 : out.length);
        if (!noBody) {
            ex.getResponseBody().write(out);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
