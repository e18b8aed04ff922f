package dev.sluice.functions.iam;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * The few IAM Query API calls the test needs (users, inline policies, access keys), SigV4-signed with the SDK's
 * signer, so the build needs no IAM client artifact.
 */
final class IamQuery {
    record AccessKey(String id, String secret) {
    }

    private final URI endpoint;
    private final SdkHttpClient http;
    private final AwsCredentialsIdentity identity;

    IamQuery(URI endpoint, SdkHttpClient http, String keyId, String secret) {
        this.endpoint = endpoint;
        this.http = http;
        this.identity = AwsCredentialsIdentity.create(keyId, secret);
    }

    IamQuery as(AccessKey key) {
        return new IamQuery(endpoint, http, key.id(), key.secret());
    }

    void createUser(String user) {
        call(Map.of("Action", "CreateUser", "UserName", user));
    }

    void putUserPolicy(String user, String policyName, String document) {
        call(Map.of("Action", "PutUserPolicy", "UserName", user, "PolicyName", policyName,
                "PolicyDocument", document));
    }

    AccessKey createAccessKey(String user) {
        String xml = call(Map.of("Action", "CreateAccessKey", "UserName", user));
        return new AccessKey(element(xml, "AccessKeyId"), element(xml, "SecretAccessKey"));
    }

    private String call(Map<String, String> params) {
        Map<String, String> all = new LinkedHashMap<>(params);
        all.put("Version", "2010-05-08");
        byte[] body = all.entrySet().stream()
                .map(e -> enc(e.getKey()) + "=" + enc(e.getValue())).collect(Collectors.joining("&"))
                .getBytes(StandardCharsets.UTF_8);
        SdkHttpFullRequest request = SdkHttpFullRequest.builder().method(SdkHttpMethod.POST).uri(endpoint)
                .putHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
                .contentStreamProvider(() -> new ByteArrayInputStream(body)).build();
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r.identity(identity).request(request)
                .payload(ContentStreamProvider.fromByteArray(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "iam")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1"));
        try {
            HttpExecuteResponse r = http.prepareRequest(HttpExecuteRequest.builder().request(signed.request())
                    .contentStreamProvider(signed.payload().orElse(null)).build()).call();
            String text = r.responseBody().isPresent()
                    ? new String(r.responseBody().get().readAllBytes(), StandardCharsets.UTF_8) : "";
            if (!r.httpResponse().isSuccessful()) {
                throw new IllegalStateException("IAM " + params.get("Action") + " failed ("
                        + r.httpResponse().statusCode() + "): " + text);
            }
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String element(String xml, String name) {
        Matcher m = Pattern.compile("<" + name + ">([^<]+)</" + name + ">").matcher(xml);
        if (!m.find()) {
            throw new IllegalStateException("no " + name + " in " + xml);
        }
        return m.group(1);
    }
}
