package dev.sluice.cli.dev;

import dev.sluice.cli.CliCommand;
import dev.sluice.cli.CliException;
import dev.sluice.cli.ExitCodes;
import dev.sluice.engine.Json;
import dev.sluice.functions.dispatch.SqsCoordinatorQueue;
import dev.sluice.functions.message.CoordinatorMessage;
import dev.sluice.infra.AwsClients;
import dev.sluice.schedule.RunIds;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "trigger", description = {
        "Starts a run of a deployed DAG: sends {\"type\":\"trigger\",\"dagId\":..,\"conf\":..,\"runId\":..} to the",
        "coordinator queue (of AWS, or of 'sluice dev' with --endpoint). Prints the run id."})
public final class TriggerCommand extends CliCommand {
    @Parameters(index = "0", paramLabel = "DAG", description = "The dag_id.")
    String dagId;

    @Option(names = "--conf", paramLabel = "JSON", description = "The run's conf, a JSON object.")
    String conf;

    @Option(names = "--run-id", paramLabel = "ID", description = "Default <dag>.manual__<now>.")
    String runId;

    @Mixin
    DevOptions where = new DevOptions();

    @Override
    protected int run() {
        if (conf != null) {
            Object parsed;
            try {
                parsed = Json.toJava(conf);
            } catch (IllegalArgumentException e) {
                throw CliException.invalid("--conf is not JSON: " + e.getMessage());
            }
            if (!(parsed instanceof java.util.Map)) {
                throw CliException.invalid("--conf must be a JSON object, got " + conf);
            }
        }
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String id = runId != null ? runId : RunIds.manual(dagId, now);
        if (!RunIds.isValid(id)) {
            throw CliException.invalid("--run-id '" + id + "' may use only " + RunIds.VALID.pattern());
        }
        AwsClients clients = where.clients();
        new SqsCoordinatorQueue(clients.sqs(), where.queueUrl(clients))
                .send(new CoordinatorMessage.Trigger(dagId, conf, id, now), Duration.ZERO);
        out().println(id);
        return ExitCodes.OK;
    }
}
