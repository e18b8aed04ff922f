package dev.sluice.functions.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.engine.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Loads the Lambda event fixtures under src/test/resources/events. */
public final class Fixtures {
    private Fixtures() {
    }

    public static String event(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/events/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture events/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A fixture as a mutable tree, to build variants from. */
    public static ObjectNode tree(String name) {
        return (ObjectNode) Json.read(event(name));
    }

    /** The sqs-event.json fixture with its one record's body replaced by each body in turn (ids m0, m1, ...). */
    public static String sqsBatch(String... bodies) {
        ObjectNode root = tree("sqs-event.json");
        JsonNode template = root.get("Records").get(0);
        var records = root.putArray("Records");
        for (int i = 0; i < bodies.length; i++) {
            ObjectNode r = template.deepCopy();
            r.put("messageId", "m" + i);
            r.put("body", bodies[i]);
            records.add(r);
        }
        return root.toString();
    }
}
