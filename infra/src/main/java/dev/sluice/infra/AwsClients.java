package dev.sluice.infra;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * SDK clients for one region and endpoint, each built once on first use and shared (they are thread-safe).
 * All of them use the light {@link UrlConnectionHttpClient}; no Netty or Apache client is on the classpath, and all
 * of them retry as {@link AwsRetries#standard()} says (the one place where AWS calls are retried).
 *
 * <p>{@link #fromEnvironment()} reads {@code AWS_REGION} (default us-east-1) and {@code AWS_ENDPOINT_URL} (LocalStack,
 * moto server; unset for real AWS). With an endpoint set, S3 uses path-style addressing and computes/validates
 * checksums only when required, which emulators need.
 */
public final class AwsClients implements AutoCloseable {
    public static final String REGION_ENV = "AWS_REGION";
    public static final String ENDPOINT_ENV = "AWS_ENDPOINT_URL";
    public static final Region DEFAULT_REGION = Region.US_EAST_1;

    private static final class Default {
        static final AwsClients INSTANCE = fromEnvironment(System.getenv());
    }

    private final Region region;
    private final URI endpoint;
    private final AwsCredentialsProvider credentials;
    private final SdkHttpClient http;
    private final Lazy<DynamoDbClient> dynamo;
    private final Lazy<S3Client> s3;
    private final Lazy<SqsClient> sqs;
    private final Lazy<LambdaClient> lambda;
    private final Lazy<SnsClient> sns;

    private AwsClients(Region region, URI endpoint, AwsCredentialsProvider credentials, SdkHttpClient http,
                       List<ExecutionInterceptor> interceptors) {
        this.region = Objects.requireNonNull(region, "region");
        this.endpoint = endpoint;
        this.credentials = credentials != null ? credentials : DefaultCredentialsProvider.builder().build();
        this.http = http != null ? http : UrlConnectionHttpClient.builder().build();
        this.dynamo = new Lazy<>(() -> {
            var b = DynamoDbClient.builder().region(region).credentialsProvider(this.credentials).httpClient(this.http)
                    .overrideConfiguration(c -> configure(c, interceptors));
            if (endpoint != null) {
                b.endpointOverride(endpoint);
            }
            return b.build();
        });
        this.s3 = new Lazy<>(() -> {
            var b = S3Client.builder().region(region).credentialsProvider(this.credentials).httpClient(this.http)
                    .overrideConfiguration(c -> configure(c, interceptors));
            if (endpoint != null) {
                b.endpointOverride(endpoint).forcePathStyle(true)
                        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
            }
            return b.build();
        });
        this.sqs = new Lazy<>(() -> {
            var b = SqsClient.builder().region(region).credentialsProvider(this.credentials).httpClient(this.http)
                    .overrideConfiguration(c -> configure(c, interceptors));
            if (endpoint != null) {
                b.endpointOverride(endpoint);
            }
            return b.build();
        });
        this.lambda = new Lazy<>(() -> {
            var b = LambdaClient.builder().region(region).credentialsProvider(this.credentials).httpClient(this.http)
                    .overrideConfiguration(c -> configure(c, interceptors));
            if (endpoint != null) {
                b.endpointOverride(endpoint);
            }
            return b.build();
        });
        this.sns = new Lazy<>(() -> {
            var b = SnsClient.builder().region(region).credentialsProvider(this.credentials).httpClient(this.http)
                    .overrideConfiguration(c -> configure(c, interceptors));
            if (endpoint != null) {
                b.endpointOverride(endpoint);
            }
            return b.build();
        });
    }

    private static void configure(ClientOverrideConfiguration.Builder c, List<ExecutionInterceptor> interceptors) {
        c.retryStrategy(AwsRetries.standard());
        interceptors.forEach(c::addExecutionInterceptor);
    }

    /** The process-wide clients configured from the environment (built once, on first use). */
    public static AwsClients shared() {
        return Default.INSTANCE;
    }

    /** Clients configured from {@code env} (AWS_REGION, AWS_ENDPOINT_URL), with the default credentials chain. */
    public static AwsClients fromEnvironment(Map<String, String> env) {
        String r = env.get(REGION_ENV);
        String e = env.get(ENDPOINT_ENV);
        return create(r == null || r.isBlank() ? DEFAULT_REGION : Region.of(r),
                e == null || e.isBlank() ? null : URI.create(e), null);
    }

    /**
     * @param endpoint    null for real AWS
     * @param credentials null for the SDK's default chain
     */
    public static AwsClients create(Region region, URI endpoint, AwsCredentialsProvider credentials) {
        return new AwsClients(region, endpoint, credentials, null, List.of());
    }

    /** As above with a given HTTP client (closed with these clients), e.g. a wrapper used by tests. */
    public static AwsClients create(Region region, URI endpoint, AwsCredentialsProvider credentials,
                                    SdkHttpClient http) {
        return new AwsClients(region, endpoint, credentials, http, List.of());
    }

    /**
     * As above, with SDK execution interceptors on every client (tests record the calls each identity makes).
     */
    public static AwsClients create(Region region, URI endpoint, AwsCredentialsProvider credentials,
                                    SdkHttpClient http, List<ExecutionInterceptor> interceptors) {
        return new AwsClients(region, endpoint, credentials, http, List.copyOf(interceptors));
    }

    public Region region() {
        return region;
    }

    /** The endpoint override, or null for real AWS. */
    /** The credentials every client here uses, for callers that build another service's client the same way. */
    public AwsCredentialsProvider credentials() {
        return credentials;
    }

    public URI endpoint() {
        return endpoint;
    }

    public DynamoDbClient dynamoDb() {
        return dynamo.get();
    }

    public S3Client s3() {
        return s3.get();
    }

    public SqsClient sqs() {
        return sqs.get();
    }

    public LambdaClient lambda() {
        return lambda.get();
    }

    /** Built on first use: only a coordinator that sends an alert pays for it. */
    public SnsClient sns() {
        return sns.get();
    }

    @Override
    public void close() {
        dynamo.closeIfBuilt();
        s3.closeIfBuilt();
        sqs.closeIfBuilt();
        lambda.closeIfBuilt();
        sns.closeIfBuilt();
        http.close();
    }

    /** Built on first use, once. */
    private static final class Lazy<T extends AutoCloseable> {
        private final Supplier<T> factory;
        private volatile T value;

        Lazy(Supplier<T> factory) {
            this.factory = factory;
        }

        T get() {
            T v = value;
            if (v == null) {
                synchronized (this) {
                    v = value;
                    if (v == null) {
                        v = factory.get();
                        value = v;
                    }
                }
            }
            return v;
        }

        void closeIfBuilt() {
            T v = value;
            if (v != null) {
                try {
                    v.close();
                } catch (Exception ignored) {
                    // closing anyway
                }
            }
        }
    }
}
