package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

class ErrorHandlingTest {

    @Command(name = "boom")
    static final class Boom extends CliCommand {
        @Override
        protected int run() {
            throw new IllegalStateException("disk on fire");
        }
    }

    @Command(name = "fail")
    static final class Fail extends CliCommand {
        @Override
        protected int run() {
            throw new CliException(ExitCodes.RUN_FAILED, "run manual__1 failed");
        }
    }

    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.newCommandLine();
        cl.addSubcommand(new Boom());
        cl.addSubcommand(new Fail());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new String[] {Integer.toString(code), out.toString(), err.toString()};
    }

    @Test
    void unexpectedExceptionsAreOneLineWithoutVerbose() {
        String[] r = run("boom");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).isEqualTo("error: disk on fire\n");
    }

    @Test
    void verboseAddsTheStackTraceWhereverItIsGiven() {
        for (String[] args : new String[][] {{"--verbose", "boom"}, {"boom", "--verbose"}}) {
            String[] r = run(args);
            assertThat(r[0]).isEqualTo("2");
            assertThat(r[2]).startsWith("error: disk on fire\n")
                    .contains("java.lang.IllegalStateException: disk on fire").contains("at dev.sluice.cli.");
        }
    }

    @Test
    void cliExceptionsCarryTheirExitCode() {
        String[] r = run("fail");
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[2]).isEqualTo("error: run manual__1 failed\n");
    }
}
