package dev.sluice.cli.store;

import dev.sluice.engine.DagRun;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code sluice db clean}'s statements: which runs are old enough to remove, and removing one. A run qualifies when
 * it has ended (success or failed; never queued or running) and its end (or, when it has none, its logical date) is
 * before the cutoff. Removing a run removes its task instances and timers in the same transaction, and only if the
 * run still qualifies then, so a run that another process resumed in between is kept.
 */
final class SqliteCleanup {
    /** What makes a run removable; {@code ?} is the cutoff. */
    private static final String OLD_AND_ENDED =
            "state IN ('success', 'failed') AND coalesce(ended_at, logical_date) < ?";

    private final SqliteFile file;

    SqliteCleanup(SqliteFile file) {
        this.file = file;
    }

    List<SqliteStateStore.EndedRun> endedBefore(Instant cutoff, String dagId) {
        return file.locked("listing old runs", () -> {
            PreparedStatement p = file.ps("SELECT r.*, "
                    + "(SELECT count(*) FROM task_instances t WHERE t.run_id = r.run_id) AS instance_count FROM runs r WHERE " + OLD_AND_ENDED
                    + (dagId == null ? "" : " AND dag_id = ?")
                    + " ORDER BY coalesce(ended_at, logical_date), run_id");
            p.setLong(1, SqliteRows.nanos(cutoff));
            if (dagId != null) {
                p.setString(2, dagId);
            }
            List<SqliteStateStore.EndedRun> out = new ArrayList<>();
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    DagRun run = SqliteRows.run(rs);
                    out.add(new SqliteStateStore.EndedRun(run, rs.getInt("instance_count")));
                }
            }
            return out;
        });
    }

    SqliteStateStore.RunDeletion delete(String runId, Instant cutoff) {
        return file.inTransaction("removing run " + runId, () -> {
            PreparedStatement check = file.ps("SELECT 1 FROM runs WHERE run_id = ? AND " + OLD_AND_ENDED);
            check.setString(1, runId);
            check.setLong(2, SqliteRows.nanos(cutoff));
            try (ResultSet rs = check.executeQuery()) {
                if (!rs.next()) {
                    return new SqliteStateStore.RunDeletion(false, 0, 0);
                }
            }
            int timers = update("DELETE FROM timers WHERE run_id = ?", runId);
            int instances = update("DELETE FROM task_instances WHERE run_id = ?", runId);
            update("DELETE FROM runs WHERE run_id = ?", runId);
            return new SqliteStateStore.RunDeletion(true, instances, timers);
        });
    }

    private int update(String sql, String runId) throws SQLException {
        PreparedStatement p = file.ps(sql);
        p.setString(1, runId);
        return p.executeUpdate();
    }
}
