package dev.sluice.cli.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.engine.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shell injection, end to end through the local runtime: {@code sluice run DAG --conf JSON} (the shaded jar, in its
 * own process) with conf values and mapped items built to break out of a command. They reach the command as plain
 * data, through the rendering of {@code command} (as SLUICE_V_n variables the script references) and through
 * SLUICE_ITEM; no marker file appears and the task sees the exact bytes. foreach items that look like templates stay
 * their own text.
 */
class LocalInjectionIT {
    @TempDir
    Path dir;

    @Test
    void hostileConfValuesAndItemsReachTheCommandAsData() throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        Path marks = Files.createDirectories(dir.resolve("marks"));
        String m = marks.toString();
        List<String> hostile = List.of("$(touch " + m + "/p1)", "`touch " + m + "/p2`", "; touch " + m + "/p3",
                "' ; touch " + m + "/p4 ; '", "\" ; touch " + m + "/p5 ; \"", "'\"", "a && touch " + m + "/p6",
                "| touch " + m + "/p7", "$HOME ${PATH} \\n %s", "x\ntouch " + m + "/p8", "日本 \uD83D\uDE00");
        String o = out.toString();
        ObjectNode dag = Json.MAPPER.createObjectNode().put("dag_id", "inj");
        var tasks = dag.putArray("tasks");
        tasks.addObject().put("task_id", "items").put("command", "printf '%s' {{ item }} > " + o
                + "/item_$SLUICE_MAP_INDEX; printf '%s' \"$SLUICE_ITEM\" > " + o + "/env_$SLUICE_MAP_INDEX")
                .set("expand", Json.MAPPER.valueToTree(hostile));
        tasks.addObject().put("task_id", "conf").put("command", "printf '%s' {{ conf.x }} > " + o + "/conf_x");
        // A context that fooled the old quoting guess: single quotes that are literal inside "${...}".
        dag.putObject("params").put("x", "d");
        tasks.addObject().put("task_id", "param_default")
                .put("command", "printf '%s\\n' \"${NAME:-'{{ params.x }}'}\" > " + o + "/param_default");
        // foreach items are data: an item that looks like a template stays its own text.
        ObjectNode block = tasks.addObject();
        var items = block.putArray("foreach");
        items.addObject().put("name", "a").put("text", "{{ conf.x | raw }}");
        items.addObject().put("name", "b").put("text", "'{{ conf.x | raw }}'");
        block.putArray("tasks").addObject().put("task_id", "fe_{{ item }}")
                .put("command", "printf '%s' {{ item.text }} > " + o + "/fe_{{ item }}");
        Path file = dir.resolve("inj.json");
        Files.writeString(file, dag.toString());
        String conf = Json.MAPPER.createObjectNode().put("x", String.join(" ", hostile)).toString();

        Path repo = Path.of("").toAbsolutePath();
        while (!Files.isRegularFile(repo.resolve("cli/target/sluice.jar"))) {
            repo = repo.getParent();
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", repo.resolve("cli/target/sluice.jar").toString(), "run", file.toString(), "--conf", conf));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("sluice.log").toFile());
        pb.environment().put("SLUICE_HOME", dir.resolve("home").toString());
        Process p = pb.start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String log = Files.readString(dir.resolve("sluice.log"));
        assertThat(p.exitValue()).as(log).isZero();

        try (Stream<Path> planted = Files.list(marks)) {
            assertThat(planted).as("marker files: something executed").isEmpty();
        }
        for (int i = 0; i < hostile.size(); i++) {
            assertThat(read(out.resolve("item_" + i))).as("templated item %d", i).isEqualTo(hostile.get(i));
            assertThat(read(out.resolve("env_" + i))).as("SLUICE_ITEM %d", i).isEqualTo(hostile.get(i));
        }
        assertThat(read(out.resolve("conf_x"))).isEqualTo(String.join(" ", hostile));
        // The single quotes are literal there, so the lexer's guess (a quoted string) is wrong: the reference it wrote,
        // '"${SLUICE_V_1}"', adds a pair of literal quotes. The value is still data.
        assertThat(read(out.resolve("param_default"))).isEqualTo("''" + String.join(" ", hostile) + "''\n");
        assertThat(read(out.resolve("fe_a"))).isEqualTo("{{ conf.x | raw }}");
        assertThat(read(out.resolve("fe_b"))).isEqualTo("'{{ conf.x | raw }}'");
    }

    private static String read(Path p) throws IOException {
        return Files.readString(p, StandardCharsets.UTF_8);
    }
}
