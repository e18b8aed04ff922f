package dev.sluice.infra.alert;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * POSTs an alert's JSON to a (Slack-compatible) webhook, for both runtimes (the local runner and the AWS command runner): each attempt bounded by a timeout, a failed one (no
 * answer, a 5xx or 429) tried again after a short pause, up to {@link #ATTEMPTS} in all. Never throws.
 */
public final class Webhook {
    public static final int ATTEMPTS = 3;
    private final HttpClient client;
    private final Duration timeout;
    private final Duration pause;

    public Webhook(Duration timeout, Duration pause) {
        this.client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.timeout = timeout;
        this.pause = pause;
    }

    /** Returns null when the hook answered 2xx, else what went wrong on the last attempt. */
    public String post(String url, String json) {
        HttpRequest req;
        try {
            req = HttpRequest.newBuilder(URI.create(url)).timeout(timeout).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json)).build();
        } catch (IllegalArgumentException e) {
            return "bad webhook URL " + url + ": " + e.getMessage();
        }
        String last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                HttpResponse<Void> r = client.send(req, HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() / 100 == 2) {
                    return null;
                }
                last = "HTTP " + r.statusCode();
                if (r.statusCode() / 100 == 4 && r.statusCode() != 429) {
                    break; // the hook refused it; asking again will not help
                }
            } catch (IOException e) {
                last = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted";
            }
            if (attempt < ATTEMPTS) {
                try {
                    Thread.sleep(pause.toMillis() * attempt);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return "interrupted";
                }
            }
        }
        return "webhook " + url + " failed after " + ATTEMPTS + " attempts: " + last;
    }
}
