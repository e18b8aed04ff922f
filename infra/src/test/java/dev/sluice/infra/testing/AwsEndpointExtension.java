package dev.sluice.infra.testing;

import dev.sluice.infra.AwsClients;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;

/**
 * Resolves the AWS-API endpoint integration tests run against (ARCHITECTURE.md, "Testing tiers"), once per JVM:
 * <ol>
 *   <li>{@code AWS_ENDPOINT_URL}, if set;</li>
 *   <li>else LocalStack through Testcontainers, when a Docker engine is available;</li>
 *   <li>else moto server from the project venv ({@code scripts/venv.sh moto}), on a free loopback port, stopped by a
 *       shutdown hook.</li>
 * </ol>
 * If none works the test fails (never skips) with the reason, in CI and locally alike.
 *
 * <pre>
 * class MyIT {
 *     &#64;RegisterExtension
 *     static final AwsEndpointExtension AWS = new AwsEndpointExtension();
 *
 *     &#64;Test
 *     void works() {
 *         TableLayout.createTable(AWS.clients().dynamoDb(), AWS.tableName());
 *     }
 * }
 * </pre>
 * Credentials are dummies ({@code test}/{@code test}) unless AWS_ACCESS_KEY_ID is set; the region is us-east-1.
 * Each test class gets its own table name (random suffix), so classes never share state.
 */
public final class AwsEndpointExtension implements BeforeAllCallback {
    public static final Region REGION = Region.US_EAST_1;
    private static final Duration MOTO_START_TIMEOUT = Duration.ofSeconds(90);

    /** How the endpoint was found. */
    public enum Source { ENV, LOCALSTACK, MOTO }

    public record Endpoint(URI uri, Source source) {
    }

    private static Endpoint endpoint;
    private static AwsClients clients;
    private static RuntimeException failure;

    private String tableName;

    @Override
    public void beforeAll(ExtensionContext context) {
        Endpoint e = resolve();
        tableName = "sluice-" + context.getRequiredTestClass().getSimpleName().toLowerCase(Locale.ROOT) + "-"
                + UUID.randomUUID().toString().substring(0, 8);
        System.err.println("[aws-endpoint] " + context.getRequiredTestClass().getSimpleName() + " uses "
                + e.source() + " at " + e.uri() + ", table " + tableName);
    }

    /** The endpoint for this JVM, resolved (and started) on first use. */
    public static synchronized Endpoint resolve() {
        if (endpoint != null) {
            return endpoint;
        }
        if (failure != null) {
            throw failure;
        }
        try {
            endpoint = find();
            // moto serves requests on parallel threads without isolating one TransactWriteItems from another, so
            // optimistic locking would not hold there; against moto this JVM sends one request at a time.
            clients = AwsClients.create(REGION, endpoint.uri(), credentials(), endpoint.source() == Source.MOTO
                    ? new SerializingHttpClient(UrlConnectionHttpClient.builder().build()) : null);
            return endpoint;
        } catch (RuntimeException ex) {
            boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
            failure = new ExtensionConfigurationException("no AWS-API endpoint for integration tests"
                    + (ci ? " (CI=true: integration tests must run, not skip)" : "") + ": " + ex.getMessage()
                    + ". Set AWS_ENDPOINT_URL, start Docker (LocalStack), or make python3 available so "
                    + "scripts/venv.sh can install moto[server].", ex);
            throw failure;
        }
    }

    /** SDK clients for the endpoint, shared by every test class in this JVM. */
    public AwsClients clients() {
        resolve();
        return clients;
    }

    public URI endpoint() {
        return resolve().uri();
    }

    /** A table name of this test class's own. */
    public String tableName() {
        if (tableName == null) {
            throw new IllegalStateException("register the extension with @RegisterExtension on a static field");
        }
        return tableName;
    }

    /** A fresh lowercase name (valid for tables, queues and buckets) with this prefix. */
    public static String uniqueName(String prefix) {
        return prefix.toLowerCase(Locale.ROOT) + "-" + UUID.randomUUID().toString().substring(0, 12);
    }

    private static AwsCredentialsProvider credentials() {
        String key = System.getenv("AWS_ACCESS_KEY_ID");
        if (key != null && !key.isBlank()) {
            return DefaultCredentialsProvider.builder().build();
        }
        return StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));
    }

    private static Endpoint find() {
        String env = System.getenv("AWS_ENDPOINT_URL");
        if (env != null && !env.isBlank()) {
            return new Endpoint(URI.create(env), Source.ENV);
        }
        if (dockerAvailable()) {
            return LocalStack.start();
        }
        return startMoto();
    }

    private static boolean dockerAvailable() {
        try {
            return org.testcontainers.DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable t) {
            return false;
        }
    }

    /** Kept in its own class so Testcontainers' LocalStack classes load only when Docker is there. */
    private static final class LocalStack {
        static Endpoint start() {
            var container = new org.testcontainers.containers.localstack.LocalStackContainer(
                    org.testcontainers.utility.DockerImageName.parse("localstack/localstack:4.4"));
            container.start();
            Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "localstack-stop"));
            return new Endpoint(container.getEndpoint(), Source.LOCALSTACK);
        }
    }

    /**
     * Starts one more moto server (as the first: a free loopback port, stopped by a shutdown hook), for a test that
     * spreads independent work over several emulator processes. moto runs Python under one interpreter lock, so one
     * server uses at most one core. Only when this JVM's endpoint is moto.
     */
    public static synchronized URI startAnotherMoto() {
        if (resolve().source() != Source.MOTO) {
            throw new IllegalStateException("the endpoint is " + endpoint.source() + ", not moto");
        }
        return launchMoto(motoServerBinary(), java.util.Map.of()).uri();
    }

    private static Endpoint startMoto() {
        return launchMoto(motoServerBinary(), java.util.Map.of());
    }

    /**
     * Starts a moto server of the caller's own (a free loopback port, stopped by a shutdown hook), whatever endpoint
     * this JVM resolved, with extra environment such as {@code INITIAL_NO_AUTH_ACTION_COUNT} (IAM enforcement).
     */
    public static synchronized URI startMotoWith(java.util.Map<String, String> env) {
        return launchMoto(motoServerBinary(), env).uri();
    }

    /** An HTTP client that sends one request at a time across the JVM, as this JVM's moto clients do. */
    public static software.amazon.awssdk.http.SdkHttpClient serializingHttpClient() {
        return new SerializingHttpClient(UrlConnectionHttpClient.builder().build());
    }

    private static Path motoServerBinary() {
        Path root = projectRoot();
        Path script = root.resolve("scripts/venv.sh");
        String bin;
        try {
            Process p = new ProcessBuilder("bash", script.toString(), "moto").directory(root.toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor() != 0 || out.isEmpty()) {
                throw new IllegalStateException(script + " moto failed (exit " + p.exitValue() + ")");
            }
            List<String> lines = out.lines().toList();
            bin = lines.get(lines.size() - 1).trim();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + script + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while preparing moto", e);
        }
        Path server = Path.of(bin, "moto_server");
        if (!Files.isExecutable(server)) {
            throw new IllegalStateException(server + " is missing after scripts/venv.sh moto");
        }
        return server;
    }

    private static Endpoint launchMoto(Path server, java.util.Map<String, String> env) {
        Path root = projectRoot();
        int port = freePort();
        Process moto;
        try {
            Path log = root.resolve("infra/target/moto-server-" + port + ".log");
            Files.createDirectories(log.getParent());
            ProcessBuilder pb = new ProcessBuilder(server.toString(), "-H", "127.0.0.1", "-p", Integer.toString(port))
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putAll(env);
            moto = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + server + ": " + e.getMessage(), e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(moto::destroy, "moto-stop"));
        URI uri = URI.create("http://127.0.0.1:" + port);
        long deadline = System.nanoTime() + MOTO_START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!moto.isAlive()) {
                throw new IllegalStateException("moto_server exited with " + moto.exitValue() + " (port " + port + ")");
            }
            if (answers(uri)) {
                return new Endpoint(uri, Source.MOTO);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                moto.destroy();
                throw new IllegalStateException("interrupted while waiting for moto", e);
            }
        }
        moto.destroy();
        throw new IllegalStateException("moto_server did not answer on " + uri + " within " + MOTO_START_TIMEOUT);
    }

    private static boolean answers(URI uri) {
        try {
            HttpURLConnection c = (HttpURLConnection) uri.resolve("/moto-api/").toURL().openConnection();
            c.setConnectTimeout(500);
            c.setReadTimeout(2000);
            int code = c.getResponseCode();
            c.disconnect();
            return code > 0;
        } catch (IOException notYet) {
            return false;
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free loopback port: " + e.getMessage(), e);
        }
    }

    /** The checkout root: the nearest directory up from here that has scripts/venv.sh. */
    static Path projectRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("scripts/venv.sh"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find scripts/venv.sh above " + Path.of("").toAbsolutePath());
    }
}
