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
}
