package dev.sluice.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code sluice} command. Exit codes are in {@link ExitCodes}: 0 ok, 1 run failed, 2 invalid input or usage.
 *
 * <p>To add a command, write a {@link CliCommand} subclass annotated with {@code @Command(name = ...)} and add it
 * to {@code subcommands} below; that list is the one registration point. Tests may run
 * {@code new CommandLine(new Main()).execute(args)} or {@link #newCommandLine()}; both behave the same.
 */
@Command(name = "sluice",
        scope = ScopeType.INHERIT, // help options and exit codes apply to every subcommand
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        exitCodeOnInvalidInput = ExitCodes.INVALID,
        exitCodeOnExecutionException = ExitCodes.INVALID,
        description = "Airflow-style DAGs on AWS serverless parts, and on this machine.",
        footer = {"", "Exit codes: 0 ok (run succeeded), 1 run failed, 2 invalid input or usage."},
        subcommands = {
            dev.sluice.cli.init.InitCommand.class,
            ValidateCommand.class,
            DagsCommand.class,
            RunCommand.class,
            RunsCommand.class,
            TasksCommand.class,
            BackfillCommand.class,
            SchedulerCommand.class,
            BreakersCommand.class,
            AlertsCommand.class,
            PoolsCommand.class,
            VariablesCommand.class,
            ConnectionsCommand.class,
            DbCommand.class,
            dev.sluice.cli.dev.DevCommand.class,
            dev.sluice.cli.dev.TriggerCommand.class,
            dev.sluice.cli.dlq.DlqCommand.class,
            CommandLine.HelpCommand.class,
        })
public final class Main implements Runnable {

    @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Show stack traces of errors.")
    boolean verbose;

    @CommandLine.Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(newCommandLine().execute(args));
    }

    /** The configured command line; also catches what escapes a command that is not a {@link CliCommand}. */
    public static CommandLine newCommandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            err.println("error: " + describe(e));
            if (verbose(cmd.getCommandSpec())) {
                e.printStackTrace(err);
            }
            err.flush();
            return e instanceof CliException c ? c.exitCode() : ExitCodes.INVALID;
        });
        return cl;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    /** True when {@code --verbose} was given anywhere on the command line. */
    static boolean verbose(CommandSpec any) {
        return any.root().userObject() instanceof Main m && m.verbose;
    }

    /** One line for an unexpected exception: its message, or its type when it has none. */
    static String describe(Throwable e) {
        return dev.sluice.cli.render.TerminalText.safe(UserMessages.describe(e));
    }

    /** {@code sluice 0.1.0 (java 17.0.15)}; the version comes from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"sluice " + (v == null ? "dev" : v) + " (java " + Runtime.version() + ")"};
        }
    }
}
