package dev.sluice.examples.warehouse;

import dev.sluice.api.Connection;
import dev.sluice.api.Task;
import dev.sluice.api.TaskContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Extracts from flaky external APIs: the first {@code fail_first_tries} tries fail (default 1), so the DAG's
 * {@code retries: 3} is exercised on every run, deterministically. The API's address and token come from the
 * connection {@code external_api} ({@code sluice connections add external_api --conn-uri https://:TOKEN@host}, or
 * {@code SLUICE_CONN_EXTERNAL_API}); without one it uses a demo address and token, so the example runs as it is.
 */
public final class ExtractApis implements Task {
    @Override
    public Object run(TaskContext ctx) {
        Work.sleep(ctx);
        int failFirst = Work.intParam(ctx, "fail_first_tries", 1);
        if (ctx.tryNumber() <= failFirst) {
            throw new IllegalStateException("external API returned 503 (try " + ctx.tryNumber() + " of "
                    + ctx.maxTries() + ")");
        }
        Connection api = api(ctx);
        ctx.log("extracting from " + api.host() + (api.password() == null ? " without a token" : " with a token"));
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            rows.add("api-" + i + "," + ctx.ds());
        }
        return Map.of("table", "apis", "rows", Work.writePartition(ctx, "apis", rows));
    }

    /** The connection {@code external_api}, or the demo one when it is not set (or the runtime has none). */
    static Connection api(TaskContext ctx) {
        try {
            return ctx.connection("external_api");
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            return new Connection("external_api", "https", "api.example.com", null, null, "demo-token", null, null);
        }
    }
}
