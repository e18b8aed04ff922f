package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.sluice.cli.local.Workspace;
import dev.sluice.cli.render.TerminalText;
import dev.sluice.engine.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "alerts", description = "List the alerts of local runs (routes, SLA and deadline misses).",
        subcommands = {AlertsCommand.ListAlerts.class})
final class AlertsCommand extends CliCommand {
    @Override
    protected int run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing subcommand: list");
    }

    @Command(name = "list", description = {"The alerts local runs sent, oldest first, from .sluice/alerts.jsonl."})
    static final class ListAlerts extends CliCommand {
        @Option(names = "--json", description = "A JSON array on stdout.")
        boolean json;

        @Option(names = "--dag", paramLabel = "DAG_ID", description = "Only this DAG's alerts.")
        String dagId;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "50",
                description = "At most the newest N (default ${DEFAULT-VALUE}).")
        int limit;

        @Override
        protected int run() {
            if (limit < 1) {
                throw CliException.invalid("--limit must be at least 1, got " + limit);
            }
            Path file = Workspace.current().home().resolve("alerts.jsonl");
            List<JsonNode> alerts = new ArrayList<>();
            if (Files.exists(file)) {
                try {
                    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                        if (line.isBlank()) {
                            continue;
                        }
                        JsonNode n;
                        try {
                            n = Json.read(line);
                        } catch (IllegalArgumentException torn) {
                            continue; // a line cut off by a crash mid-write
                        }
                        if (dagId == null || dagId.equals(n.path("dag_id").asText())) {
                            alerts.add(n);
                        }
                    }
                } catch (IOException e) {
                    throw CliException.invalid("cannot read " + file + ": " + e.getMessage());
                }
            }
            List<JsonNode> shown = alerts.subList(Math.max(0, alerts.size() - limit), alerts.size());
            if (json) {
                ArrayNode arr = Json.MAPPER.createArrayNode();
                shown.forEach(arr::add);
                out().println(arr);
                return ExitCodes.OK;
            }
            if (shown.isEmpty()) {
                out().println("no alerts yet");
                return ExitCodes.OK;
            }
            String fmt = "%-30s  %-8s  %-13s  %s%n";
            out().printf(Locale.ROOT, fmt, "at", "severity", "event", "alert");
            for (JsonNode n : shown) {
                out().printf(Locale.ROOT, fmt, n.path("at").asText(), n.path("severity").asText(),
                        n.path("event").asText(), TerminalText.oneLine(n.path("text").asText(), 200));
            }
            return ExitCodes.OK;
        }
    }
}
