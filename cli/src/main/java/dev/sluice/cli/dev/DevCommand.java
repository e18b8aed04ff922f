package dev.sluice.cli.dev;

import dev.sluice.cli.CliCommand;
import dev.sluice.cli.CliException;
import dev.sluice.cli.ExitCodes;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.TaskInstance;
import dev.sluice.functions.Env;
import dev.sluice.functions.devhost.DevHost;
import dev.sluice.functions.devhost.DevResources;
import dev.sluice.functions.devhost.RecursiveLoop;
import dev.sluice.infra.AwsClients;
import dev.sluice.infra.store.DynamoDbStateStore;
import dev.sluice.spec.DiskDagLoader;
import dev.sluice.spec.Durations;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import software.amazon.awssdk.core.sync.RequestBody;

@Command(name = "dev", description = {
        "Host the AWS functions in this process (LocalStack, moto or AWS).",
        "It long-polls the coordinator queue as the Lambda SQS event source does.",
        "It ticks every minute.",
        "It runs task functions in-process, with the invocation JSON that Lambda passes.",
        "DAG files are read from s3://BUCKET/dags/ (upload them with --dags DIR).",
        "Ctrl-C stops it."},
        subcommands = {DevCommand.Tick.class, DevCommand.Runs.class})
public final class DevCommand extends CliCommand {
    @Mixin
    DevOptions where = new DevOptions();

    @Option(names = "--create", description = "Create the table, bucket, queue, its dead-letter queue and the alert topics (one per severity) if missing.")
    boolean create;

    @Option(names = {"--dags", "-p", "--path"}, paramLabel = "DIR",
            description = "Upload the DAG files of DIR (and the files they include) to s3://BUCKET/dags/ first.")
    Path dags;

    @Option(names = "--tick-interval", paramLabel = "DURATION", description = "Tick period (default 1m; 0 = none).")
    String tickInterval = "1m";

    @Option(names = "--pollers", paramLabel = "N", description = "Concurrent queue pollers (default 1).")
    int pollers = 1;

    @Option(names = "--template", paramLabel = "FILE", description = {
            "The SAM template whose functions' RecursiveLoop settings apply (default ./template.yaml if present).",
            "Like Lambda, a hosted function's 17th invocation in one chain is stopped unless it is Allow."})
    Path template;

    @Option(names = "--recursive-loop", paramLabel = "Allow|Terminate", defaultValue = "${env:SLUICE_DEV_RECURSIVE_LOOP}",
            description = "RecursiveLoop for every hosted function, instead of the template's (env SLUICE_DEV_RECURSIVE_LOOP).")
    String recursiveLoop;

    @Override
    protected int run() throws Exception {
        AwsClients clients = where.clients();
        if (pollers < 1) {
            throw CliException.invalid("--pollers must be at least 1, got " + pollers);
        }
        String queueUrl = create ? DevResources.ensure(clients, where.table(), where.bucket(), where.queue(), 30)
                : where.queueUrl(clients);
        Map<String, String> topics = Map.of();
        if (create) {
            String dlq = DevResources.ensureDeadLetterQueue(clients, queueUrl);
            if (dlq != null) {
                out().println("dead-letter queue " + dlq + " (after " + DevResources.MAX_RECEIVE_COUNT
                        + " failed receives; see 'sluice dlq list')");
            }
            topics = DevResources.ensureAlertTopics(clients, queueUrl);
            out().println("alert topics " + topics.get(Env.ALERT_TOPIC_ARN) + " (failed runs, missed SLAs) and "
                    + topics.get(Env.ALERT_TOPICS) + " (alerts: by severity)");
        }
        Env.Config config = where.config(queueUrl, topics);
        if (dags != null) {
            upload(clients, config, dags);
        }
        Duration tick = Durations.parse(tickInterval);
        RecursiveLoop loops = recursiveLoop();
        DevHost host = new DevHost(config, clients, DevHost.Options.defaults().withTickInterval(tick)
                .withPollers(pollers).withRecursiveLoop(loops));
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            host.close();
            stopped.countDown();
        }, "sluice-dev-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        out().println("sluice dev: table " + config.table() + ", bucket " + config.bucket() + ", queue " + queueUrl
                + (where.endpoint() == null ? "" : ", endpoint " + where.endpoint())
                + (tick.isZero() ? "; no ticks ('sluice dev tick' sends one)" : "; ticking every " + tickInterval)
                + "; recursive loops allowed for " + (loops.allowed().isEmpty() ? "no function"
                : String.join(", ", new java.util.TreeSet<>(loops.allowed()))) + "; Ctrl-C to stop");
        out().flush();
        host.start();
        stopped.await();
        return ExitCodes.OK;
    }

    /**
     * Which hosted functions may run past 16 invocations in one chain: --recursive-loop for all of them, else the
     * RecursiveLoop settings of --template (or ./template.yaml), else those the shipped template.yaml sets.
     */
    RecursiveLoop recursiveLoop() {
        if (recursiveLoop != null && !recursiveLoop.isBlank()) {
            return switch (recursiveLoop.strip()) {
                case "Allow" -> RecursiveLoop.allowAll();
                case "Terminate" -> RecursiveLoop.terminate();
                default -> throw CliException.invalid("--recursive-loop must be Allow or Terminate, got '"
                        + recursiveLoop + "'");
            };
        }
        Path file = template != null ? template : Path.of("template.yaml");
        if (!Files.isRegularFile(file)) {
            if (template != null) {
                throw CliException.invalid("--template " + template + " is not a file");
            }
            return RecursiveLoop.shipped();
        }
        try {
            return RecursiveLoop.fromTemplate(new com.fasterxml.jackson.databind.ObjectMapper(
                    new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(file.toFile()));
        } catch (IOException e) {
            throw CliException.invalid("cannot read the template " + file + ": " + e.getMessage());
        }
    }

    /** Uploads the DAG files directly in {@code dir}, and the files each includes, under the DAGs' prefix. */
    public static void upload(AwsClients clients, Env.Config config, Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw CliException.invalid("--dags " + dir + " is not a folder");
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
                if (Files.isRegularFile(f) && (n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json"))) {
                    String key = config.dagsPrefix() + f.getFileName();
                    clients.s3().putObject(b -> b.bucket(config.bucket()).key(key), RequestBody.fromFile(f));
                    uploadIncluded(clients, config, dir, f);
                }
            }
        }
    }

    /** The files a DAG includes (foreach_file), under the same path next to it in the bucket. */
    private static void uploadIncluded(AwsClients clients, Env.Config config, Path dir, Path dagFile) {
        Path root = dir.toAbsolutePath().normalize();
        for (var included : DiskDagLoader.load(dagFile).included()) {
            Path p = root.resolve(included.name()).normalize();
            if (!p.startsWith(root)) {
                continue; // outside DIR: the coordinator refuses such a name anyway
            }
            String key = config.dagsPrefix()
                    + root.relativize(p).toString().replace(java.io.File.separatorChar, '/');
            clients.s3().putObject(b -> b.bucket(config.bucket()).key(key),
                    RequestBody.fromString(included.content()));
        }
    }

    @Command(name = "tick", description = {"Send one tick to the coordinator, and exit.",
            "A tick starts due cron runs and fires timers and timeouts."})
    static final class Tick extends CliCommand {
        @Mixin
        DevOptions where = new DevOptions();

        @Override
        protected int run() {
            AwsClients clients = where.clients();
            Env.Config config = where.config(where.queueUrl(clients));
            try (DevHost host = new DevHost(config, clients, DevHost.Options.defaults().withTickInterval(Duration.ZERO))) {
                host.tick();
            }
            out().println("tick sent");
            return ExitCodes.OK;
        }
    }

    @Command(name = "runs", description = {"Runs stored in the deployment's DynamoDB table.",
            "'dev runs' lists them; 'dev runs RUN_ID' shows one with its tasks."})
    static final class Runs extends CliCommand {
        @Mixin
        DevOptions where = new DevOptions();

        @Parameters(index = "0", arity = "0..1", paramLabel = "RUN_ID", description = "Show this run and its tasks.")
        String runId;

        @Option(names = "--dag", paramLabel = "DAG", description = "Only runs of this DAG.")
        String dag;

        @Option(names = "--limit", paramLabel = "N", description = "At most N runs (default 50).")
        int limit = 50;

        @Override
        protected int run() {
            if (limit < 1) {
                throw CliException.invalid("--limit must be at least 1, got " + limit);
            }
            DynamoDbStateStore store = where.openStore();
            if (runId == null) {
                List<DagRun> runs = store.runs(dag, limit);
                out().printf("%-50s %-10s %-22s %s%n", "RUN", "STATE", "LOGICAL DATE", "DAG");
                for (DagRun r : runs) {
                    out().printf("%-50s %-10s %-22s %s%n", r.runId(), r.state().airflowName(), r.logicalDate(),
                            r.dagId());
                }
                return ExitCodes.OK;
            }
            DagRun r = store.run(runId).orElseThrow(() -> CliException.invalid("no run " + runId + " in table "
                    + where.table()));
            out().println(r.runId() + "  " + r.state().airflowName() + "  dag " + r.dagId() + "  logical "
                    + r.logicalDate() + "  started " + (r.startedAt() == null ? "-" : r.startedAt())
                    + (r.endedAt() == null ? "" : "  ended " + r.endedAt()));
            for (TaskInstance t : store.instances(runId)) {
                out().printf("  %-40s %-18s try %d/%d%s%n", t.taskId() + (t.mapIndex() >= 0 ? "[" + t.mapIndex() + "]"
                        : ""), t.state().airflowName(), t.tryNumber(), t.maxTries(),
                        t.error() == null ? "" : "  " + dev.sluice.cli.render.TerminalText.oneLine(t.error(), 200));
            }
            return r.state().isTerminal() && r.state() != dev.sluice.state.RunState.SUCCESS ? ExitCodes.RUN_FAILED
                    : ExitCodes.OK;
        }
    }
}
