package dev.sluice.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.Json;
import dev.sluice.engine.Timer;
import dev.sluice.functions.message.CoordinatorMessage;
import dev.sluice.functions.message.MalformedMessageException;
import dev.sluice.functions.message.Messages;
import dev.sluice.functions.message.TaskRef;
import dev.sluice.functions.message.TaskResult;
import dev.sluice.functions.support.Fixtures;
import dev.sluice.functions.support.TestCoordinator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * 10,000 mutated inbound events through the coordinator function's entry point: the real fixtures (EventBridge S3
 * Object Created, S3 notification, Scheduled Event, tick) and SQS batches of real coordinator messages (completions,
 * OnFailure destination records, triggers, timers, continuations, watchdogs), damaged field by field. Every event
 * is handled without an exception escaping; every SQS record that does not parse is in batchItemFailures; a
 * rejected message (reported as failed, or logged and dropped) leaves the store exactly as it was.
 */
class InboundEventFuzzTest {
    static final int CASES = 10_000;
    static final String LAKE = """
            dag_id: lake
            trigger:
              s3: {bucket: example-data-lake, key: "raw/{{ ds }}/data_*.parquet"}
            tasks:
              - {task_id: load, handler: com.example.Load, retries: 2, retry_delay: 30s}
              - {task_id: report, upstream: [load], command: "echo {{ conf.key }}"}
            """;
    static final String DAILY = """
            dag_id: daily
            schedule: "@daily"
            start_date: 2024-01-01
            catchup: true
            max_active_runs: 2
            tasks:
              - {task_id: a, handler: com.example.A}
            """;
    static final Instant NOW = Instant.parse("2024-03-05T02:01:00Z");
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    @Test
    void tenThousandMutatedEventsFailAloneAndWriteNothingWhenRejected() {
        Random random = new Random(Long.getLong("fuzz.seed", 20_240_602L));
        TestCoordinator t = null;
        List<JsonNode> bases = null;
        int sqsFailed = 0;
        int dropped = 0;
        int applied = 0;
        for (int i = 0; i < CASES; i++) {
            if (i % 1000 == 0) { // a fresh coordinator now and then keeps the captured logs small
                t = coordinator();
                bases = bases(t);
            }
            JsonNode event = bases.get(random.nextInt(bases.size())).deepCopy();
            int edits = 1 + random.nextInt(3);
            JsonNode recs = event.path("Records");
            boolean bodiesOnly = recs.isArray() && recs.size() > 0 && recs.get(0).has("body") && random.nextInt(10) < 7;
            for (int e = 0; e < edits; e++) {
                if (bodiesOnly) { // keep the SQS envelope, damage what a producer wrote
                    ObjectNode rec = (ObjectNode) recs.get(random.nextInt(recs.size()));
                    rec.put("body", mutateBody(rec.path("body").asText(), random));
                } else {
                    event = mutate(event, random, 0);
                }
            }
            String before = fingerprint(t);
            String text = random.nextInt(50) == 0 ? damageText(event.toString(), random) : event.toString();
            String response;
            try {
                response = t.invoke(text);
            } catch (RuntimeException ex) {
                throw new AssertionError("case " + i + ": " + ex + " escaped the handler for\n" + abbreviate(text), ex);
            }
            JsonNode out = Json.read(response);
            assertThat(out.isObject()).as("case %d: response %s", i, response).isTrue();
            JsonNode records = parsed(text).path("Records");
            boolean sqs = records.isArray() && !records.isEmpty()
                    && records.get(0).path("eventSource").asText("").equals("aws:sqs");
            if (sqs) {
                Set<String> failed = new HashSet<>();
                out.path("batchItemFailures").forEach(f -> failed.add(f.path("itemIdentifier").asText()));
                for (JsonNode r : records) {
                    if (!parses(r.path("body").isTextual() ? r.path("body").asText() : null)) {
                        assertThat(failed).as("case %d: malformed record %s not reported", i, r.path("messageId"))
                                .contains(r.path("messageId").asText(null) == null ? "null"
                                        : r.path("messageId").asText());
                    }
                }
                if (!failed.isEmpty()) {
                    sqsFailed++;
                    if (records.size() == 1) {
                        assertThat(fingerprint(t)).as("case %d: a rejected message wrote state:%n%s", i,
                                abbreviate(text)).isEqualTo(before);
                    }
                } else {
                    applied++;
                }
            } else if (out.has("ignored")) {
                dropped++;
                assertThat(fingerprint(t)).as("case %d: an ignored event wrote state:%n%s", i, abbreviate(text))
                        .isEqualTo(before);
            } else {
                applied++;
            }
        }
        System.out.printf("== inbound event fuzz: %d events, %d SQS batches with reported failures, %d events logged "
                + "and dropped, %d handled; 0 exceptions escaped, 0 partial writes%n", CASES, sqsFailed, dropped,
                applied);
    }

    private static TestCoordinator coordinator() {
        TestCoordinator t = new TestCoordinator(NOW);
        t.dags.put("dags/lake.yaml", LAKE).put("dags/daily.yaml", DAILY);
        t.invoke(Fixtures.event("s3-object-created-eventbridge.json")); // a run with its first try dispatched
        return t;
    }

    /** The real fixtures, and SQS batches of every kind of coordinator message about the run that exists. */
    private static List<JsonNode> bases(TestCoordinator t) {
        var inv = t.dispatcher.invocations.get(0);
        TaskRef load = inv.invocation().task();
        List<String> bodies = new ArrayList<>();
        bodies.add(Messages.write(new CoordinatorMessage.Completion(load, new TaskResult.Succeeded("{\"rows\":3}"))));
        bodies.add(Messages.write(new CoordinatorMessage.Completion(load, new TaskResult.Failed("boom", true))));
        bodies.add(Messages.write(new CoordinatorMessage.Completion(load, new TaskResult.Skipped("nothing"))));
        bodies.add(Messages.write(new CoordinatorMessage.TimerDue(load, Timer.Kind.RETRY, NOW)));
        bodies.add(Messages.write(new CoordinatorMessage.Watchdog(load)));
        bodies.add(Messages.write(new CoordinatorMessage.Continue(load.dagId(), load.dagVersion(), load.runId())));
        bodies.add("{\"type\":\"trigger\",\"dagId\":\"lake\",\"conf\":{\"x\":1},\"runId\":\"lake.manual__1\"}");
        ObjectNode destination = Fixtures.tree("lambda-destination-on-failure.json");
        destination.set("requestPayload", Json.read(inv.json()));
        bodies.add(destination.toString());
        List<JsonNode> out = new ArrayList<>();
        for (String b : bodies) {
            out.add(Json.read(Fixtures.sqsBatch(b)));
        }
        out.add(Json.read(Fixtures.sqsBatch(bodies.get(0), bodies.get(6), bodies.get(7))));
        for (String f : List.of("s3-object-created-eventbridge.json", "scheduled-event.json", "sqs-event.json",
                "lambda-destination-on-failure.json")) {
            out.add(Json.read(Fixtures.event(f)));
        }
        out.add(Json.read(Fixtures.event("s3-put-notification.template.json").replace("{{{region}}}", "us-east-1")
                .replace("{{{bucket}}}", "example-data-lake").replace("{{{key}}}", "raw/2024-03-05/data_2.parquet")));
        out.add(Json.read("{\"source\":\"sluice.tick\"}"));
        return out;
    }

    // ------------------------------------------------------------------ mutations

    private static final String[] STRINGS = {"", " ", "null", "0", "-1", "1e400", "99999999999999999999999",
        "2024-13-45T99:99:99Z", "not-a-date", "\u0000", "\uD800", "日本", "\uD83D\uDE00", "../../etc", "a#b", "a/b",
        "$(touch pwned)", "'\"", "{", "}", "[]", "{}", "aws:sqs", "aws:s3", "aws.s3", "Object Created",
        "Scheduled Event", "sluice.tick", "completion", "trigger", "timer", "watchdog", "continue", "lake", "daily",
        "x".repeat(10_000)};

    private static JsonNode mutate(JsonNode n, Random r, int depth) {
        if (n.isObject() && n.size() > 0 && (depth == 0 || r.nextInt(3) > 0)) {
            ObjectNode o = (ObjectNode) n;
            List<String> names = new ArrayList<>();
            o.fieldNames().forEachRemaining(names::add);
            String f = names.get(r.nextInt(names.size()));
            JsonNode child = o.get(f);
            if (f.equals("body") && child.isTextual() && r.nextBoolean()) {
                o.put(f, mutateBody(child.asText(), r));
            } else if (r.nextInt(4) == 0) {
                o.remove(f);
            } else if ((child.isContainerNode() || child.isTextual() && f.equals("body")) && r.nextInt(3) > 0) {
                o.set(f, mutate(child, r, depth + 1));
            } else {
                o.set(f, randomValue(r));
            }
            return o;
        }
        if (n.isArray() && n.size() > 0 && r.nextInt(4) > 0) {
            ArrayNode a = (ArrayNode) n;
            int i = r.nextInt(a.size());
            switch (r.nextInt(4)) {
                case 0 -> a.remove(i);
                case 1 -> a.add(a.get(i).deepCopy()); // a duplicate record
                default -> a.set(i, mutate(a.get(i), r, depth + 1));
            }
            return a;
        }
        return randomValue(r);
    }

    private static String mutateBody(String body, Random r) {
        try {
            JsonNode tree = Json.read(body);
            if (tree != null && r.nextInt(4) > 0) {
                return mutate(tree, r, 0).toString();
            }
        } catch (RuntimeException notJson) {
            // damage the text instead
        }
        return damageText(body, r);
    }

    private static JsonNode randomValue(Random r) {
        return switch (r.nextInt(9)) {
            case 0 -> F.nullNode();
            case 1 -> F.numberNode(r.nextLong());
            case 2 -> F.numberNode(new java.math.BigDecimal("1e" + r.nextInt(400)));
            case 3 -> F.booleanNode(r.nextBoolean());
            case 4 -> F.arrayNode().add(STRINGS[r.nextInt(STRINGS.length)]);
            case 5 -> F.objectNode().put("type", STRINGS[r.nextInt(STRINGS.length)]);
            case 6 -> {
                JsonNode deep = F.textNode("x");
                for (int i = 0; i < 200 + r.nextInt(300); i++) {
                    deep = F.arrayNode().add(deep);
                }
                yield deep;
            }
            default -> F.textNode(STRINGS[r.nextInt(STRINGS.length)]);
        };
    }

    private static String damageText(String s, Random r) {
        StringBuilder b = new StringBuilder(s);
        int at = r.nextInt(b.length() + 1);
        switch (r.nextInt(3)) {
            case 0 -> b.delete(at, Math.min(b.length(), at + 1 + r.nextInt(30)));
            case 1 -> b.insert(at, STRINGS[r.nextInt(STRINGS.length)]);
            default -> b.setLength(at);
        }
        return b.toString();
    }

    // ------------------------------------------------------------------ checks

    private static boolean parses(String body) {
        try {
            Messages.parse(body);
            return true;
        } catch (MalformedMessageException e) {
            return false;
        } catch (RuntimeException e) {
            throw new AssertionError("Messages.parse threw " + e + " instead of MalformedMessageException for "
                    + abbreviate(String.valueOf(body)), e);
        }
    }

    private static JsonNode parsed(String text) {
        try {
            JsonNode n = Json.read(text);
            return n == null ? F.nullNode() : n;
        } catch (RuntimeException e) {
            return F.nullNode();
        }
    }

    /** Everything the coordinator may write: runs, task instances, timers, breakers. */
    private static String fingerprint(TestCoordinator t) {
        StringBuilder b = new StringBuilder();
        for (DagRun r : t.store.runs(null, 100_000)) {
            b.append(r).append('\n');
            t.store.instances(r.runId()).forEach(i -> b.append("  ").append(i).append('\n'));
        }
        t.store.dueTimers(Instant.MAX, 100_000).forEach(x -> b.append(x).append('\n'));
        t.store.breakers().forEach(x -> b.append(x).append('\n'));
        return b.toString();
    }

    private static String abbreviate(String s) {
        return s.length() > 1500 ? s.substring(0, 1500) + "... (" + s.length() + " chars)" : s;
    }

}
