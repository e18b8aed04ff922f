package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The example in the help of {@code tasks test|render}, {@code dags next-run} and {@code db clean} runs. */
class EverydayCommandsHelpTest {
    private static Path examples() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("examples/warehouse.yaml"))) {
            p = p.getParent();
        }
        assertThat(p).as("the repository root").isNotNull();
        return p.resolve("examples");
    }

    @ParameterizedTest
    @ValueSource(strings = {"tasks test", "tasks render", "dags next-run", "db clean"})
    void theHelpExampleRuns(String command) {
        List<String> help = new ArrayList<>(List.of(command.split(" ")));
        help.add("--help");
        CliRunner.Result h = CliRunner.run(help.toArray(String[]::new));
        assertThat(h.exitCode()).isZero();
        String example = h.out().lines().filter(l -> l.startsWith("Example: sluice " + command + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no example in the help of " + command + ":\n" + h.out()));
        List<String> args = new ArrayList<>(List.of(example.substring("Example: sluice ".length()).split(" ")));
        if (!command.equals("db clean")) {
            args.addAll(List.of("--path", examples().toString()));
        }
        CliRunner.Result r = CliRunner.run(args.toArray(String[]::new));
        assertThat(r.exitCode()).as(example + "\n" + r.out() + r.err()).isZero();
        assertThat(r.err()).doesNotContain("error:");
    }
}
