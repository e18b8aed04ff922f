package dev.sluice.cli.reliability;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The AWS-API endpoint for the cli's integration tests: AWS_ENDPOINT_URL, else a moto server from the project venv
 * (scripts/venv.sh moto) on a free loopback port. Never skips: without either, the test fails and says why. (The
 * functions and infra tests use AwsEndpointExtension, which also tries LocalStack; the cli does not depend on that
 * test jar.)
 */
final class EmulatorEndpoint {
    private static URI endpoint;

    private EmulatorEndpoint() {
    }

    static synchronized URI get() {
        if (endpoint == null) {
            String env = System.getenv("AWS_ENDPOINT_URL");
            endpoint = env != null && !env.isBlank() ? URI.create(env) : startMoto();
        }
        return endpoint;
    }

    private static URI startMoto() {
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !Files.isRegularFile(root.resolve("scripts/venv.sh"))) {
            root = root.getParent();
        }
        if (root == null) {
            throw new IllegalStateException("no AWS_ENDPOINT_URL and no scripts/venv.sh to install moto");
        }
        try {
            Process p = new ProcessBuilder("bash", "scripts/venv.sh", "moto").directory(root.toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim().lines()
                    .toList();
            if (p.waitFor() != 0 || lines.isEmpty()) {
                throw new IllegalStateException("scripts/venv.sh moto failed (exit " + p.exitValue() + ")");
            }
            Path server = Path.of(lines.get(lines.size() - 1).trim(), "moto_server");
            int port;
            try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            Path log = root.resolve("cli/target/moto-server-" + port + ".log");
            Files.createDirectories(log.getParent());
            Process moto = new ProcessBuilder(server.toString(), "-H", "127.0.0.1", "-p", Integer.toString(port))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            Runtime.getRuntime().addShutdownHook(new Thread(moto::destroy, "moto-stop"));
            URI uri = URI.create("http://127.0.0.1:" + port);
            for (long deadline = System.nanoTime() + 60_000_000_000L; System.nanoTime() < deadline; ) {
                if (!moto.isAlive()) {
                    throw new IllegalStateException("moto_server exited with " + moto.exitValue() + "; see " + log);
                }
                try {
                    HttpURLConnection c = (HttpURLConnection) uri.resolve("/moto-api/").toURL().openConnection();
                    c.setConnectTimeout(500);
                    if (c.getResponseCode() > 0) {
                        return uri;
                    }
                } catch (IOException notYet) {
                    Thread.sleep(100);
                }
            }
            moto.destroy();
            throw new IllegalStateException("moto_server did not answer on " + uri);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start moto: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting moto", e);
        }
    }
}
