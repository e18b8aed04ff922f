package dev.sluice.cli;

import dev.sluice.cli.local.LocalRunnerFiles;
import dev.sluice.cli.local.Workspace;
import dev.sluice.cli.render.Table;
import dev.sluice.cli.store.DatabaseBusyException;
import dev.sluice.cli.store.SqliteStateStore;
import dev.sluice.spec.Durations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sluice db clean}: the local database's upkeep. */
@Command(name = "db",
        description = "Keep the local database small: remove old runs.",
        subcommands = {DbCommand.Clean.class})
final class DbCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: clean");
    }

    @Command(name = "clean", description = {
            "Remove runs that ended longer ago than DURATION.",
            "Their task instances, timers and log folders go too.",
            "Queued and running runs are never removed.",
            "A run's age counts from its end (or its logical date without one).",
            "--dry-run lists exactly what would be removed.",
            "A deployment's runs expire by DynamoDB TTL instead (docs/deploy.md, Retention).",
            "Example: sluice db clean --older-than 30d --dry-run"})
    static final class Clean extends CliCommand {
        /** How long to wait in all for a database that another process keeps busy. */
        private static final Duration BUSY_PATIENCE = Duration.ofMinutes(2);

        @Option(names = "--older-than", required = true, paramLabel = "DURATION",
                description = "Remove runs that ended more than this long ago: 30d, 12h, 1w, 90m, PT36H.")
        String olderThan;

        @Option(names = "--dry-run", description = "List what would be removed, and remove nothing.")
        boolean dryRun;

        @Option(names = "--dag", paramLabel = "DAG", description = "Only runs of this DAG.")
        String dag;

        @Option(names = {"-y", "--yes"}, description = "Do not ask for confirmation (required when not on a terminal).")
        boolean yes;

        @Option(names = {"--stack", "--table", "--endpoint"}, paramLabel = "NAME", hidden = true,
                description = "Refused (exit 2): a deployment's runs expire by DynamoDB TTL instead.")
        String deployment;

        @Override
        protected int run() throws IOException {
            if (deployment != null) {
                throw CliException.invalid("db clean works on the local database only; a deployment's runs expire "
                        + "by DynamoDB TTL PayloadRetentionDays + 1 days after their last write (stack parameter, "
                        + "default 400), see docs/deploy.md, section Retention");
            }
            Duration age;
            try {
                age = Durations.parse(olderThan);
            } catch (IllegalArgumentException e) {
                throw CliException.invalid("--older-than: " + e.getMessage());
            }
            Instant cutoff = Instant.now().minus(age);
            Workspace ws = Workspace.current();
            if (!Files.exists(ws.dbFile())) {
                out().println("nothing to clean: there is no database at " + ws.dbFile() + " yet");
                return ExitCodes.OK;
            }
            try (SqliteStateStore store = dryRun ? ws.openStoreForReading() : ws.openStore()) {
                List<SqliteStateStore.EndedRun> old = whileBusy(() -> store.endedRunsBefore(cutoff, dag));
                if (old.isEmpty()) {
                    out().println("no run" + (dag == null ? "" : " of " + dag) + " ended before " + shown(cutoff)
                            + "; nothing to remove");
                    return ExitCodes.OK;
                }
                Table table = new Table("RUN_ID", "DAG_ID", "STATE", "ENDED", "TASKS", "LOGS");
                int instances = 0;
                int logs = 0;
                for (SqliteStateStore.EndedRun r : old) {
                    Path dir = runLogs(ws, r);
                    boolean hasLogs = Files.isDirectory(dir);
                    logs += hasLogs ? 1 : 0;
                    instances += r.taskInstances();
                    table.row(r.run().runId(), r.run().dagId(), r.run().state().airflowName(),
                            shown(r.run().endedAt() == null ? r.run().logicalDate() : r.run().endedAt()),
                            Integer.toString(r.taskInstances()), hasLogs ? dir.toString() : "-");
                }
                out().print(table.render());
                String counts = old.size() + (old.size() == 1 ? " run, " : " runs, ") + instances
                        + " task instances, " + logs + (logs == 1 ? " log folder" : " log folders");
                if (dryRun) {
                    out().println("would remove " + counts + " (ended before " + shown(cutoff)
                            + "); nothing was removed");
                    return ExitCodes.OK;
                }
                if (!confirmed(counts)) {
                    out().println("nothing was removed");
                    return ExitCodes.OK;
                }
                return remove(ws, store, old, cutoff);
            }
        }

        private boolean confirmed(String counts) {
            if (yes) {
                return true;
            }
            java.io.Console console = System.console();
            if (console == null) {
                throw CliException.invalid("not on a terminal: add --yes to remove " + counts
                        + " (or --dry-run to only list them)");
            }
            String answer = console.readLine("remove %s? [y/N] ", counts);
            return answer != null && answer.strip().toLowerCase(Locale.ROOT).startsWith("y");
        }

        private int remove(Workspace ws, SqliteStateStore store, List<SqliteStateStore.EndedRun> old, Instant cutoff) {
            int runs = 0;
            int instances = 0;
            int logs = 0;
            int kept = 0;
            for (SqliteStateStore.EndedRun r : old) {
                String runId = r.run().runId();
                AutoCloseable lock;
                try {
                    lock = ws.lockRun(runId);
                } catch (CliException inUse) {
                    err().println("kept " + runId + ": " + inUse.getMessage());
                    kept++;
                    continue;
                }
                try (lock) {
                    SqliteStateStore.RunDeletion d;
                    try {
                        d = whileBusy(() -> store.deleteEndedRun(runId, cutoff));
                    } catch (DatabaseBusyException busy) {
                        throw new CliException(ExitCodes.RUN_FAILED, "stopped: the database stayed busy for "
                                + BUSY_PATIENCE.toMinutes() + " minutes; removed " + runs + " of " + old.size()
                                + " runs so far; run the command again");
                    }
                    if (!d.removed()) {
                        err().println("kept " + runId + ": it changed since it was listed (resumed or cleared)");
                        kept++;
                        continue;
                    }
                    runs++;
                    instances += d.taskInstances();
                    Path dir = runLogs(ws, r);
                    if (Files.isDirectory(dir)) {
                        deleteTree(dir);
                        logs++;
                        deleteIfEmpty(dir.getParent());
                    }
                } catch (CliException e) {
                    throw e;
                } catch (Exception e) {
                    throw new CliException(ExitCodes.RUN_FAILED, "stopped at " + runId + ": " + Main.describe(e)
                            + "; removed " + runs + " of " + old.size() + " runs so far");
                }
                try {
                    Files.deleteIfExists(ws.lockFile(runId));
                } catch (IOException e) {
                    // an empty lock file left behind is harmless
                }
            }
            out().println("removed " + runs + (runs == 1 ? " run, " : " runs, ") + instances + " task instances, "
                    + logs + (logs == 1 ? " log folder" : " log folders")
                    + (kept == 0 ? "" : "; kept " + kept + " (see above)"));
            return ExitCodes.OK;
        }

        private static String shown(Instant t) {
            return t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        }

        private static Path runLogs(Workspace ws, SqliteStateStore.EndedRun r) {
            return LocalRunnerFiles.runLogs(ws.logsDir(), r.run().dagId(), r.run().runId());
        }

        /** Runs {@code work}; while another process holds the database, says so and tries again, up to a limit. */
        private <T> T whileBusy(Supplier<T> work) {
            long deadline = System.nanoTime() + BUSY_PATIENCE.toNanos();
            boolean said = false;
            while (true) {
                try {
                    return work.get();
                } catch (DatabaseBusyException e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    if (!said) {
                        err().println("database busy (locked by another process); waiting");
                        err().flush();
                        said = true;
                    }
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        throw e;
                    }
                }
            }
        }

        private static void deleteTree(Path dir) throws IOException {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                    Files.deleteIfExists(p);
                }
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }

        private static void deleteIfEmpty(Path dir) {
            try (Stream<Path> s = Files.list(dir)) {
                if (s.findAny().isEmpty()) {
                    Files.deleteIfExists(dir);
                }
            } catch (IOException e) {
                // a folder left behind is harmless
            }
        }
    }
}
