package dev.sluice.functions.jar;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One Lambda function as a container would run it: a fresh JVM whose class path is the Lambda jar and the
 * {@link LambdaRuntimeStandIn} (nothing else), the function's environment, and one event at a time.
 */
public final class FunctionProcess implements AutoCloseable {
    /** Lambda's Java runtime starts the JVM with these (besides heap settings from the memory size). */
    public static final List<String> LAMBDA_JVM_FLAGS = List.of("-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC");

    /** The classes a function's JVM gets besides the jar: JDK-only mains (Lambda runtime stand-in, link check). */
    static final List<String> STAND_IN_CLASSES = List.of(LambdaRuntimeStandIn.class.getSimpleName(),
            JarLinkCheck.class.getSimpleName());

    /**
     * A folder holding {@link LambdaRuntimeStandIn}'s and {@link JarLinkCheck}'s classes and nothing else (not the
     * rest of test-classes), for the functions' class path: made under {@code work}, from the folder this class was
     * loaded from.
     */
    public static Path standInFolder(Path work) {
        try {
            Path classes = Path.of(LambdaRuntimeStandIn.class.getProtectionDomain().getCodeSource().getLocation()
                    .toURI());
            Path pkg = Path.of(LambdaRuntimeStandIn.class.getPackageName().replace('.', '/'));
            Path root = work.resolve("runtime").toAbsolutePath();
            Path to = root.resolve(pkg);
            Files.createDirectories(to);
            try (var files = Files.list(classes.resolve(pkg))) {
                for (Path f : files.filter(f -> isStandIn(f.getFileName().toString())).toList()) {
                    Files.copy(f, to.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
            try (var all = Files.walk(root)) {
                List<String> names = all.filter(Files::isRegularFile).map(f -> f.getFileName().toString()).toList();
                if (names.isEmpty() || !names.stream().allMatch(FunctionProcess::isStandIn)) {
                    throw new IllegalStateException(root + " must hold the stand-in's classes only: " + names);
                }
            }
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean isStandIn(String fileName) {
        return STAND_IN_CLASSES.stream().anyMatch(c -> fileName.equals(c + ".class") || fileName.startsWith(c + "$"));
    }

    /** What the stand-in reported for one event. */
    public record Result(int n, long sinceJvmStartMs, long handlerMs, boolean ok, String body) {
    }

    private final String name;
    private final Process process;
    private final OutputStream stdin;
    private final BlockingQueue<String> reports = new LinkedBlockingQueue<>();
    private final List<String> logLines = new ArrayList<>();
    private final long initMs;
    private volatile long firstEventMs = -1;

    private FunctionProcess(String name, Process process, Duration initTimeout) {
        this.name = name;
        this.process = process;
        this.stdin = process.getOutputStream();
        Thread reader = new Thread(this::readStdout, "stdout-" + name);
        reader.setDaemon(true);
        reader.start();
        String init = next(initTimeout, "init");
        String[] f = init.split(" ");
        // init MS ok|error B64
        if (!f[0].equals("init")) {
            throw new IllegalStateException(name + ": expected the init report, got " + init);
        }
        if (!f[2].equals("ok")) {
            throw new IllegalStateException(name + ": the handler did not initialise:\n" + decode(f[3]));
        }
        this.initMs = Long.parseLong(f[1]);
    }

    /**
     * Starts the function and waits for its init phase (class loading, static init, handler constructor).
     *
     * @param classPath the Lambda jar(s) and the stand-in's own class folder, nothing else
     * @param handler   template.yaml's Handler, e.g. {@code dev.sluice.functions.CoordinatorHandler::handleRequest}
     * @param env       the function's environment (the JVM gets no other)
     * @param log       where its stdout/stderr go, besides {@link #logLines()}
     */
    public static FunctionProcess start(String name, List<Path> classPath, String handler, Map<String, String> env,
                                        List<String> jvmFlags, Path log, Duration initTimeout) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmFlags);
        cmd.add("-cp");
        cmd.add(String.join(java.io.File.pathSeparator, classPath.stream().map(Path::toString).toList()));
        cmd.add(LambdaRuntimeStandIn.class.getName());
        cmd.add(handler);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.environment().put("AWS_LAMBDA_FUNCTION_NAME", name);
        try {
            Files.createDirectories(log.getParent());
            Files.writeString(log, String.join(" ", cmd) + "\n");
            return new FunctionProcess(name, pb.start(), initTimeout).logTo(log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    private Path logFile;

    private FunctionProcess logTo(Path log) {
        synchronized (logLines) {
            logFile = log;
            for (String l : logLines) {
                appendLog(l);
            }
        }
        return this;
    }

    private void appendLog(String line) {
        if (logFile != null) {
            try {
                Files.writeString(logFile, line + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
            } catch (IOException ignored) {
                // the log file is a convenience
            }
        }
    }

    private void readStdout() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.startsWith(LambdaRuntimeStandIn.MARK)) {
                    reports.add(line.substring(LambdaRuntimeStandIn.MARK.length()));
                }
                synchronized (logLines) {
                    logLines.add(line);
                    appendLog(line);
                }
            }
        } catch (IOException ignored) {
            // the process ended
        }
        reports.add("exit");
    }

    private String next(Duration timeout, String what) {
        String r;
        try {
            r = reports.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for " + name, e);
        }
        if (r == null) {
            throw new IllegalStateException(name + ": no " + what + " report within " + timeout + "; log:\n" + tail());
        }
        if (r.equals("exit")) {
            throw new IllegalStateException(name + " exited (" + exitCode() + ") before its " + what
                    + " report; log:\n" + tail());
        }
        return r;
    }

    private String exitCode() {
        try {
            return process.waitFor(5, TimeUnit.SECONDS) ? Integer.toString(process.exitValue()) : "still running";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }

    /** Hands one event (any JSON; sent as one line) to the handler and waits for its answer. */
    public synchronized Result invoke(String eventJson, Duration timeout) {
        if (eventJson.contains("\n")) {
            throw new IllegalArgumentException("one event is one line: compact the JSON first");
        }
        try {
            stdin.write((eventJson + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(name + " does not take events any more; log:\n" + tail(), e);
        }
        String[] f = next(timeout, "event").split(" ");
        // event N SINCE_START HANDLER_MS ok|error B64
        if (!f[0].equals("event")) {
            throw new IllegalStateException(name + ": expected an event report, got " + String.join(" ", f));
        }
        Result r = new Result(Integer.parseInt(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]), f[4].equals("ok"),
                decode(f[5]));
        if (r.n() == 1) {
            firstEventMs = r.sinceJvmStartMs();
        }
        return r;
    }

    public String name() {
        return name;
    }

    /** Milliseconds from JVM start to the end of the handler's init phase. */
    public long initMs() {
        return initMs;
    }

    /** Milliseconds from JVM start to the end of the first event, or -1 before it. */
    public long firstEventMs() {
        return firstEventMs;
    }

    public List<String> logLines() {
        synchronized (logLines) {
            return List.copyOf(logLines);
        }
    }

    private String tail() {
        List<String> l = logLines();
        return String.join("\n", l.subList(Math.max(0, l.size() - 40), l.size()));
    }

    private static String decode(String b64) {
        return b64.equals("-") ? "" : new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        try {
            stdin.close();
        } catch (IOException ignored) {
            // already gone
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroy();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
