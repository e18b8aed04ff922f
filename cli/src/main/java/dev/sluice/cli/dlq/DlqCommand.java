package dev.sluice.cli.dlq;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.cli.CliCommand;
import dev.sluice.cli.ExitCodes;
import dev.sluice.engine.Json;
import dev.sluice.functions.message.CoordinatorMessage;
import dev.sluice.functions.message.MalformedMessageException;
import dev.sluice.functions.message.Messages;
import dev.sluice.functions.message.TaskRef;
import dev.sluice.infra.AwsClients;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * {@code sluice dlq list} and {@code sluice dlq redrive}: the coordinator's dead-letter queue. A message lands there
 * after it failed maxReceiveCount times (a poison body, or a store that was down). Redriving sends it back to the
 * coordinator queue; the coordinator's events carry their try, so one that was already applied changes nothing.
 */
@Command(name = "dlq", description = "Show and replay the coordinator's dead-letter queue.",
        subcommands = {DlqCommand.ListDlq.class, DlqCommand.Redrive.class})
public final class DlqCommand extends CliCommand {
    static final int MAX_BATCH = 10;

    @Override
    protected int run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing subcommand: list or redrive");
    }

    @Command(name = "list", description = {"Every message in the DLQ, with its count of receives and its body.",
            "It says what each message is about. Messages stay in the queue."})
    static final class ListDlq extends CliCommand {
        @Mixin
        DlqOptions where;

        @Option(names = "--max", paramLabel = "N", defaultValue = "100", description = "At most N messages (100).")
        int max;

        @Option(names = "--json", description = "A JSON array on stdout.")
        boolean json;

        @Override
        protected int run() {
            DlqOptions.requirePositive(max);
            try (AwsClients clients = where.clients()) {
                String url = DlqOptions.url(clients, where.dlq(), "dead-letter queue");
                List<Message> all = peek(clients.sqs(), url, max);
                if (json) {
                    ArrayNode arr = Json.MAPPER.createArrayNode();
                    for (Message m : all) {
                        ObjectNode o = arr.addObject();
                        o.put("messageId", m.messageId());
                        o.put("sentAt", sentAt(m));
                        o.put("receiveCount", m.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT));
                        // how often the tick has sent it back by itself (DeadLetterRedrive); 0 before the first time
                        o.put("autoRedrives", dev.sluice.functions.dispatch.DeadLetterRedrive.redrives(m));
                        describe(m.body()).forEach(o::put);
                        o.put("body", m.body());
                    }
                    out().println(arr);
                    return ExitCodes.OK;
                }
                if (all.isEmpty()) {
                    out().println("the dead-letter queue is empty (" + url + ")");
                    return ExitCodes.OK;
                }
                String fmt = "%-36s  %-24s  %8s  %s%n";
                out().printf(Locale.ROOT, fmt, "message_id", "sent_at", "receives", "message");
                for (Message m : all) {
                    Map<String, String> d = describe(m.body());
                    out().printf(Locale.ROOT, fmt, m.messageId(), sentAt(m),
                            m.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT), summary(d));
                    out().println("    " + abbreviate(m.body(), 300));
                }
                out().println(all.size() + " message(s); 'sluice dlq redrive' sends them back to the coordinator");
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "redrive", description = {"Send DLQ messages back to the coordinator queue.",
            "Each is deleted from the DLQ once sent.",
            "A message that was already applied changes nothing when it is handled again."})
    static final class Redrive extends CliCommand {
        @Mixin
        DlqOptions where;

        @Option(names = "--to", paramLabel = "NAME|URL",
                description = "The coordinator queue (default SLUICE_QUEUE_URL, else sluice-dev-coordinator).")
        String to;

        @Option(names = "--max", paramLabel = "N", defaultValue = "1000", description = "At most N messages (1000).")
        int max;

        @Override
        protected int run() {
            DlqOptions.requirePositive(max);
            try (AwsClients clients = where.clients()) {
                String from = DlqOptions.url(clients, where.dlq(), "dead-letter queue");
                String target = DlqOptions.url(clients, where.coordinatorQueue(to), "coordinator queue");
                SqsClient sqs = clients.sqs();
                int moved = 0;
                while (moved < max) {
                    int want = Math.min(MAX_BATCH, max - moved);
                    List<Message> batch = sqs.receiveMessage(b -> b.queueUrl(from).maxNumberOfMessages(want)
                            .visibilityTimeout(60).waitTimeSeconds(0)).messages();
                    if (batch.isEmpty()) {
                        break;
                    }
                    for (Message m : batch) {
                        // Send first, then delete: a crash in between leaves a duplicate, which is harmless.
                        sqs.sendMessage(b -> b.queueUrl(target).messageBody(m.body()));
                        sqs.deleteMessage(b -> b.queueUrl(from).receiptHandle(m.receiptHandle()));
                        moved++;
                        out().println("redriven " + m.messageId() + "  " + summary(describe(m.body())));
                    }
                }
                out().println(moved + " message(s) sent back to " + target);
                return ExitCodes.OK;
            }
        }
    }

    /**
     * Receives up to {@code max} messages without consuming them: each is hidden briefly while listed and made
     * visible again at once.
     */
    static List<Message> peek(SqsClient sqs, String url, int max) {
        Map<String, Message> seen = new LinkedHashMap<>();
        List<String> handles = new ArrayList<>();
        try {
            for (int empty = 0; seen.size() < max && empty < 2; ) {
                List<Message> got = sqs.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(MAX_BATCH)
                        .visibilityTimeout(30).waitTimeSeconds(0)
                        .messageSystemAttributeNames(MessageSystemAttributeName.ALL)
                        .messageAttributeNames(dev.sluice.functions.dispatch.DeadLetterRedrive.ATTRIBUTE)).messages();
                if (got.isEmpty()) {
                    empty++;
                    continue;
                }
                for (Message m : got) {
                    handles.add(m.receiptHandle());
                    if (seen.size() < max) {
                        seen.putIfAbsent(m.messageId(), m);
                    }
                }
            }
        } finally {
            for (String h : handles) {
                sqs.changeMessageVisibility(b -> b.queueUrl(url).receiptHandle(h).visibilityTimeout(0));
            }
        }
        return new ArrayList<>(seen.values());
    }

    /** What a body is about: its type and task, or why the coordinator cannot read it. */
    static Map<String, String> describe(String body) {
        Map<String, String> d = new LinkedHashMap<>();
        try {
            CoordinatorMessage m = Messages.parse(body);
            d.put("type", m.getClass().getSimpleName());
            TaskRef r = null;
            if (m instanceof CoordinatorMessage.Completion c) {
                r = c.task();
                d.put("result", c.result().getClass().getSimpleName());
            } else if (m instanceof CoordinatorMessage.InvokeFailed f) {
                r = f.task();
            } else if (m instanceof CoordinatorMessage.TimerDue t) {
                r = t.task();
            } else if (m instanceof CoordinatorMessage.Watchdog w) {
                r = w.task();
            } else if (m instanceof CoordinatorMessage.Trigger t) {
                d.put("dagId", t.dagId());
                d.put("runId", t.runId());
            } else if (m instanceof CoordinatorMessage.Continue c) {
                d.put("dagId", c.dagId());
                d.put("runId", c.runId());
            }
            if (r != null) {
                d.put("dagId", r.dagId());
                d.put("runId", r.runId());
                d.put("task", r.key().toString());
                d.put("try", Integer.toString(r.tryNumber()));
            }
        } catch (MalformedMessageException e) {
            d.put("type", "malformed");
            d.put("reason", e.getMessage());
        }
        return d;
    }

    private static String summary(Map<String, String> d) {
        StringBuilder b = new StringBuilder(d.get("type"));
        d.forEach((k, v) -> {
            if (!k.equals("type") && v != null) {
                b.append(' ').append(k).append('=').append(v);
            }
        });
        return b.toString();
    }

    private static String sentAt(Message m) {
        String s = m.attributes().get(MessageSystemAttributeName.SENT_TIMESTAMP);
        try {
            return s == null ? "-" : Instant.ofEpochMilli(Long.parseLong(s)).toString();
        } catch (NumberFormatException e) {
            return s;
        }
    }

    private static String abbreviate(String s, int n) {
        return s == null ? "" : s.length() > n ? s.substring(0, n) + "..." : s;
    }
}
