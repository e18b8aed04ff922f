package dev.sluice.cli;

import static dev.sluice.cli.CliRunner.arg;
import static dev.sluice.cli.CliRunner.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.cli.CliRunner.Result;
import org.junit.jupiter.api.Test;

class DagsCommandTest {

    @Test
    void listShowsATable() {
        Result r = run("dags", "list", arg("valid"));
        assertThat(r.exitCode()).isZero();
        assertThat(r.err()).isEmpty();
        String[] lines = r.out().split("\n");
        assertThat(lines).hasSize(3);
        assertThat(lines[0]).matches("DAG_ID +SCHEDULE +TASKS +TAGS +FILE");
        assertThat(lines[1]).matches("hello +manual +1 +- +" + java.util.regex.Pattern.quote(arg("valid/hello.yaml")));
        assertThat(lines[2]).matches("shop_orders +@daily +8 +shop,nightly +"
                + java.util.regex.Pattern.quote(arg("valid/shop.yaml")));
    }

    @Test
    void listNamesInvalidFilesOnStderr() {
        Result r = run("dags", "list", CliRunner.dags("").toString());
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("shop_orders").contains("hello");
        assertThat(r.err()).contains(arg("invalid/typo.yaml") + ": invalid (")
                .contains("see: sluice validate " + arg("invalid/cycle.yaml"));
    }

    @Test
    void listWithoutPathNeedsADagsOrExamplesFolder() {
        // The tests run in cli/, which has neither.
        Result r = run("dags", "list");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID);
        assertThat(r.err()).startsWith("error: no dags/ or examples/ folder in ");
    }

    @Test
    void showByIdAsText() {
        Result r = run("dags", "show", "shop_orders", "--path", arg("valid"));
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).isEqualTo("""
                shop_orders  (schedule @daily, 8 tasks)
                check_api  [command]
                ├── extract.orders  [command, retries 3, pool shop_api]
                │   └── load  [handler com.example.Load]
                │       └── choose_path  [command, branch]
                │           ├── weekday  [command]
                │           │   └── converge  [empty, trigger none_failed_min_one_success]
                │           └── weekend  [command]
                │               └── -> converge (see above)
                └── extract.customers  [command]
                    └── -> load (see above)
                """);
    }

    @Test
    void showFileAsMermaidAndDot() {
        Result m = run("dags", "show", arg("valid/shop.yaml"), "--format", "mermaid");
        assertThat(m.exitCode()).isZero();
        assertThat(m.out()).startsWith("flowchart LR\n    subgraph grp_extract[\"extract\"]\n")
                .contains("    choose_path{\"choose_path\"}\n").contains("    weekend --> converge\n");
        Result d = run("dags", "show", arg("valid/shop.yaml"), "--format", "DOT");
        assertThat(d.exitCode()).isZero();
        assertThat(d.out()).startsWith("digraph \"shop_orders\" {\n")
                .contains("subgraph \"cluster_extract\" {").contains("\"extract.customers\" -> \"load\";");
    }

    @Test
    void showUnknownIdSuggestsTheClosest() {
        Result r = run("dags", "show", "shop_order", "--path", CliRunner.dags("").toString());
        assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID);
        assertThat(r.err()).startsWith("error: no DAG 'shop_order' in ").contains("did you mean 'shop_orders'?")
                .contains("2 files have errors");
        Result far = run("dags", "show", "zzz", "--path", arg("valid"));
        assertThat(far.err()).contains("found: hello, shop_orders");
    }

    @Test
    void showInvalidOrMissingFile() {
        Result r = run("dags", "show", arg("invalid/cycle.yaml"));
        assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID);
        assertThat(r.err()).contains(": error: cycle: ").contains("is not a valid DAG (1 error)");
        Result missing = run("dags", "show", "nope/x.yaml");
        assertThat(missing.exitCode()).isEqualTo(ExitCodes.INVALID);
        assertThat(missing.err()).isEqualTo("error: nope/x.yaml: no such file\n");
    }

    @Test
    void badFormatOrMissingSubcommandIsAUsageError() {
        Result r = run("dags", "show", arg("valid/shop.yaml"), "--format", "png");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID);
        assertThat(r.err()).contains("'png' is not one of: text, mermaid, dot");
        Result none = run("dags");
        assertThat(none.exitCode()).isEqualTo(ExitCodes.INVALID);
        assertThat(none.err()).contains("missing command: list, show or next-run");
    }

    @Test
    void listTakesThePathAsAnOptionOrAsTheOlderPositional() {
        Result option = run("dags", "list", "--path", arg("valid"));
        Result shortOption = run("dags", "list", "-p", arg("valid"));
        Result positional = run("dags", "list", arg("valid"));
        assertThat(option.exitCode()).isZero();
        assertThat(option.out()).contains("shop_orders").isEqualTo(shortOption.out()).isEqualTo(positional.out());
        Result both = run("dags", "list", arg("valid"), "--path", arg("valid"));
        assertThat(both.exitCode()).isEqualTo(ExitCodes.INVALID);
        assertThat(both.err()).startsWith("error: give the folder once");
    }

    @Test
    void showTakesThePathAsAnOptionOrAsASecondPositional() {
        Result option = run("dags", "show", "hello", "-p", arg("valid"));
        Result positional = run("dags", "show", "hello", arg("valid"));
        assertThat(option.exitCode()).as(option.err()).isZero();
        assertThat(positional.exitCode()).as(positional.err()).isZero();
        assertThat(positional.out()).isEqualTo(option.out()).contains("hello");
    }

    @Test
    void withoutADagsFolderTheHintNamesTheRealOption() {
        // The tests run in cli/, which has neither dags/ nor examples/.
        for (String[] args : new String[][] {{"dags", "list"}, {"dags", "show", "hello"},
            {"scheduler", "--once"}}) {
            Result r = run(args);
            assertThat(r.exitCode()).as(String.join(" ", args)).isEqualTo(ExitCodes.INVALID);
            assertThat(r.err()).as(String.join(" ", args)).contains("with --path PATH");
        }
    }

    /**
     * The one convention: a command whose subject is a file takes it as its argument; every other command that
     * reads DAG files takes {@code --path}/{@code -p}. No command shows a positional PATH but validate.
     */
    @Test
    void everyCommandNamesItsDagFolderWithPathOrTakesAFileArgument() {
        java.util.List<String> withPath = new java.util.ArrayList<>();
        java.util.Deque<picocli.CommandLine> todo = new java.util.ArrayDeque<>(java.util.List.of(Main.newCommandLine()));
        while (!todo.isEmpty()) {
            picocli.CommandLine cl = todo.pop();
            todo.addAll(cl.getSubcommands().values().stream().filter(c -> c != cl).distinct().toList());
            var spec = cl.getCommandSpec();
            String name = spec.qualifiedName();
            for (var p : spec.positionalParameters()) {
                if (!p.hidden() && p.paramLabel().equals("PATH")) {
                    assertThat(name).as("positional PATH").isEqualTo("sluice validate");
                }
            }
            var path = spec.findOption("--path");
            if (path != null) {
                assertThat(path.names()).as(name).contains("-p", "--path");
                withPath.add(name);
            }
        }
        assertThat(withPath).contains("sluice dags list", "sluice dags show", "sluice scheduler", "sluice dev");
    }
}
