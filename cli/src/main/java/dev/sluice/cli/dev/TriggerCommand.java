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
        "Start a run of a deployed DAG, and print its run id.",
        "It sends a trigger message (dagId, conf, runId) to the coordinator queue:",
        "that of a stack on AWS, or of 'sluice dev' with --endpoint.",
        "It refuses a DAG that no deployed DAG file defines."})
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
        String bad = dev.sluice.model.Names.checkId("DAG id", dagId);
        if (bad != null) {
            throw CliException.invalid(bad);
        }
        if (conf != null) {
            Object parsed;
            try {
                parsed = Json.MAPPER.readTree(conf);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                String why = e.getOriginalMessage();
                int cut = why.indexOf(" (start marker");
                why = (cut > 0 ? why.substring(0, cut) : why).lines().findFirst().orElse("");
                throw CliException.invalid("--conf is not valid JSON: " + why
                        + (e.getLocation() == null ? "" : " (column " + e.getLocation().getColumnNr() + ")"));
            }
            if (!(parsed instanceof com.fasterxml.jackson.databind.node.ObjectNode)) {
                throw CliException.invalid("--conf must be a JSON object such as '{\"full_refresh\": true}', got '"
                        + conf + "'");
            }
        }
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS); // a run per trigger, as in Airflow
        String id = runId != null ? runId : RunIds.manual(dagId, now);
        if (!RunIds.isValid(id)) {
            throw CliException.invalid("--run-id '" + id + "' may use only " + RunIds.VALID.pattern());
        }
        AwsClients clients = where.clients();
        String queueUrl = where.queueUrl(clients);
        checkDeployed(clients, where.config(queueUrl));
        new SqsCoordinatorQueue(clients.sqs(), queueUrl)
                .send(new CoordinatorMessage.Trigger(dagId, conf, id, now), Duration.ZERO);
        out().println(id);
        return ExitCodes.OK;
    }

    /**
     * Refuses a DAG that no deployed DAG file defines, as the README says. When that cannot be known (the listing
     * fails, or some files there do not load), the trigger is refused too, naming why: sending it would leave a
     * message that the coordinator can only reject.
     */
    private void checkDeployed(AwsClients clients, dev.sluice.functions.Env.Config config) {
        String where = "s3://" + config.bucket() + "/" + config.dagsPrefix();
        java.util.List<String> ids = new java.util.ArrayList<>();
        java.util.List<String> unloadable = new java.util.ArrayList<>();
        try {
            var source = new dev.sluice.functions.dags.S3DagSource(clients.s3(), config.bucket(), config.dagsPrefix());
            for (var e : source.list()) {
                String text = source.read(e);
                if (!dev.sluice.spec.DagLoader.looksLikeDag(text, e.name())) {
                    continue; // a data file that a DAG includes
                }
                var r = dev.sluice.spec.DagLoader.loadString(text, source.location(e),
                        dev.sluice.functions.dags.DagRegistry.filesNear(source, e.name()));
                if (r.dag() == null) {
                    unloadable.add(source.location(e));
                } else {
                    ids.add(r.dag().dagId());
                }
            }
        } catch (RuntimeException e) {
            throw CliException.invalid("cannot list the DAGs in " + where + " to check that " + dagId
                    + " is deployed (" + e.getMessage() + "); nothing was sent");
        }
        if (ids.contains(dagId)) {
            return;
        }
        if (!unloadable.isEmpty()) {
            throw CliException.invalid("no DAG " + dagId + " among the DAGs that load from " + where + "; "
                    + unloadable.size() + " file(s) there do not load (" + String.join(", ", unloadable.subList(0,
                    Math.min(3, unloadable.size()))) + "), check them with 'sluice validate'; nothing was sent");
        }
        throw CliException.invalid("no DAG " + dagId + " in " + where + (ids.isEmpty() ? " (no DAG files there; "
                + "upload them with 'sluice dev --dags DIR' or deploy them)"
                : dev.sluice.model.Names.hint(dagId, ids) + " (deployed: " + String.join(", ", ids) + ")"));
    }
}
