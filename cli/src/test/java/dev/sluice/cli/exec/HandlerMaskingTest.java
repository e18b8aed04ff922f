package dev.sluice.cli.exec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.Connection;
import dev.sluice.api.Task;
import dev.sluice.api.TaskContext;
import dev.sluice.secrets.Masker;
import dev.sluice.secrets.SecretLookups;
import dev.sluice.secrets.Secrets;
import dev.sluice.secrets.SensitiveNames;
import dev.sluice.secrets.TrackedSecrets;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A handler that reads a connection and logs, returns and throws its password shows only *** in each. */
class HandlerMaskingTest {
    @TempDir
    Path dir;

    static final Masker MASKER = new Masker();
    static final Secrets SECRETS = new TrackedSecrets(new Secrets() {
        @Override
        public Optional<String> variable(String name) {
            return Optional.empty();
        }

        @Override
        public Optional<Connection> connection(String connId) {
            return Optional.of(new Connection(connId, "http", "h", null, "u", "pa ss/\"word\"", null, null));
        }
    }, SensitiveNames.of(null), MASKER);

    public static final class Leaky implements Task {
        @Override
        public Object run(TaskContext ctx) {
            String pw = ctx.connection("api").password();
            ctx.log("password is " + pw + " or " + java.net.URLEncoder.encode(pw, java.nio.charset.StandardCharsets.UTF_8));
            return Map.of("token", pw);
        }
    }

    @Test
    void logOutputAndErrorAreMasked() throws Exception {
        Attempt base = Attempts.handler(dir, Leaky.class.getName(), null);
        TaskContext ctx = (TaskContext) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {TaskContext.class}, (p, m, args) -> switch (m.getName()) {
                    case "connection" -> SecretLookups.connection(SECRETS, (String) args[0]);
                    case "taskId", "dagId", "runId" -> "h";
                    case "params", "upstreamOutputs" -> Map.of();
                    case "mapIndex" -> -1;
                    case "tryNumber", "maxTries" -> 1;
                    default -> null;
                });
        Attempt a = new Attempt(base.dagId(), base.runId(), base.taskId(), -1, 1, 1, base.spec(), null, Map.of(),
                null, base.logFile(), ctx, MASKER);
        Outcome o = new LocalTaskExecutor(java.util.List.of()).execute(a);
        assertThat(o).isEqualTo(new Outcome.Succeeded("{\"token\":\"***\"}"));
        assertThat(Files.readString(a.logFile())).contains("password is *** or ***").doesNotContain("ss/", "pa+ss", "%22");
        assertThat(LocalTaskExecutor.masked(new Outcome.Failed("bad pa ss/\"word\"", true), MASKER))
                .isEqualTo(new Outcome.Failed("bad ***", true));
    }
}
