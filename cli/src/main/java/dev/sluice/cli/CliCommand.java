package dev.sluice.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Base of every subcommand: output goes through picocli's writers (so tests can capture it), and any exception
 * becomes a one-line {@code error: ...} with exit code 2, with a stack trace only under {@code --verbose}.
 * Subclasses implement {@link #run()} and return an {@link ExitCodes} value.
 */
public abstract class CliCommand implements Callable<Integer> {
    @Spec
    protected CommandSpec spec;

    /** The command's work; return an exit code. Throw {@link CliException} for errors the user can fix. */
    protected abstract int run() throws Exception;

    @Override
    public final Integer call() {
        try {
            return run();
        } catch (CommandLine.ParameterException e) {
            throw e; // usage error: picocli prints the message and the usage, exit 2
        } catch (CliException e) {
            err().println("error: " + dev.sluice.cli.render.TerminalText.safe(e.getMessage()));
            traceIfVerbose(e);
            return e.exitCode();
        } catch (Exception | LinkageError | StackOverflowError | OutOfMemoryError e) {
            err().println("error: " + Main.describe(e));
            traceIfVerbose(e);
            return ExitCodes.INVALID;
        } finally {
            out().flush();
            err().flush();
        }
    }

    protected PrintWriter out() {
        return spec.commandLine().getOut();
    }

    protected PrintWriter err() {
        return spec.commandLine().getErr();
    }

    protected boolean verbose() {
        return Main.verbose(spec);
    }

    private void traceIfVerbose(Throwable e) {
        if (verbose()) {
            e.printStackTrace(err());
        }
    }
}
