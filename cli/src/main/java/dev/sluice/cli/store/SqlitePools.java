package dev.sluice.cli.store;

import dev.sluice.engine.Pool;
import dev.sluice.engine.PoolBound;
import dev.sluice.store.ConcurrentUpdateException;
import dev.sluice.store.StateStore.PoolDeletion;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The pools table: slots taken within a decision's {@link PoolBound}, slots given back (always, never below zero),
 * and the sizes set by hand ({@code sluice pools set}). Conditions are in SQL, so a store that never read the pool
 * writes it as safely as one that did.
 */
final class SqlitePools {
    private static final String SQL_ROW = "INSERT INTO pools (name, used) VALUES (?, 0) ON CONFLICT (name) DO NOTHING";
    /** Giving back: never refused, never below zero. */
    private static final String SQL_RELEASE = "UPDATE pools SET used = max(0, used + ?) WHERE name = ?";
    private static final String SQL_TAKE_UNBOUNDED = "UPDATE pools SET used = used + ? WHERE name = ? "
            + "AND size IS NULL";
    private static final String SQL_TAKE_SET = "UPDATE pools SET used = used + ? WHERE name = ? "
            + "AND size = ? AND declared_by IS NULL AND used + ? <= ?";
    private static final String SQL_TAKE_DECLARED = "UPDATE pools SET used = used + ?, size = ?, declared_by = ? "
            + "WHERE name = ? AND (size IS NULL OR (declared_by IS NOT NULL AND (size = ? OR used = 0))) "
            + "AND used + ? <= ?";
    private static final String SQL_SELECT = "SELECT name, size, used, declared_by, description FROM pools";

    private final SqliteFile file;

    SqlitePools(SqliteFile file) {
        this.file = file;
    }

    /** Applies one pool's delta inside the decision's transaction. */
    void apply(String pool, int delta, PoolBound bound) throws SQLException {
        if (delta < 0) {
            PreparedStatement p = file.ps(SQL_RELEASE);
            p.setInt(1, delta);
            p.setString(2, pool);
            p.executeUpdate();
            return;
        }
        if (delta == 0) {
            return;
        }
        PreparedStatement row = file.ps(SQL_ROW);
        row.setString(1, pool);
        row.executeUpdate();
        PreparedStatement p;
        if (bound.isUnbounded()) {
            p = file.ps(SQL_TAKE_UNBOUNDED);
            p.setInt(1, delta);
            p.setString(2, pool);
        } else if (bound.isSet()) {
            p = file.ps(SQL_TAKE_SET);
            p.setInt(1, delta);
            p.setString(2, pool);
            p.setInt(3, bound.size());
            p.setInt(4, delta);
            p.setInt(5, bound.size());
        } else {
            p = file.ps(SQL_TAKE_DECLARED);
            p.setInt(1, delta);
            p.setInt(2, bound.size());
            p.setString(3, bound.declaredBy());
            p.setString(4, pool);
            p.setInt(5, bound.size());
            p.setInt(6, delta);
            p.setInt(7, bound.size());
        }
        if (p.executeUpdate() != 1) {
            throw new ConcurrentUpdateException("pool " + pool + " cannot take " + delta + " more slots within "
                    + (bound.isUnbounded() ? "no size" : "size " + bound.size()) + " (it changed, or is full)");
        }
    }

    /** The pool as stored, or {@link Pool#absent}. */
    Pool pool(String name) {
        return file.locked("reading pool " + name, () -> {
            PreparedStatement p = file.ps(SQL_SELECT + " WHERE name = ?");
            p.setString(1, name);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? row(rs) : Pool.absent(name);
            }
        });
    }

    List<Pool> all() {
        return file.locked("listing pools", () -> {
            List<Pool> out = new ArrayList<>();
            try (ResultSet rs = file.ps(SQL_SELECT + " ORDER BY name").executeQuery()) {
                while (rs.next()) {
                    out.add(row(rs));
                }
            }
            return out;
        });
    }

    void set(String name, int size, String description) {
        file.inTransaction("setting pool " + name, () -> {
            PreparedStatement p = file.ps("INSERT INTO pools (name, used, size, declared_by, description) "
                    + "VALUES (?, 0, ?, NULL, ?) ON CONFLICT (name) DO UPDATE SET size = excluded.size, "
                    + "declared_by = NULL, description = excluded.description");
            p.setString(1, name);
            p.setInt(2, size);
            p.setString(3, description);
            p.executeUpdate();
            return null;
        });
    }

    PoolDeletion delete(String name) {
        return file.inTransaction("deleting pool " + name, () -> {
            PreparedStatement p = file.ps("DELETE FROM pools WHERE name = ? AND used = 0");
            p.setString(1, name);
            if (p.executeUpdate() == 1) {
                return PoolDeletion.DELETED;
            }
            return exists(name) ? PoolDeletion.IN_USE : PoolDeletion.NOT_FOUND;
        });
    }

    private boolean exists(String name) throws SQLException {
        PreparedStatement p = file.ps("SELECT 1 FROM pools WHERE name = ?");
        p.setString(1, name);
        try (ResultSet rs = p.executeQuery()) {
            return rs.next();
        }
    }

    private static Pool row(ResultSet rs) throws SQLException {
        int size = rs.getInt("size");
        Integer boxed = rs.wasNull() ? null : size;
        return new Pool(rs.getString("name"), boxed, rs.getInt("used"), rs.getString("declared_by"),
                rs.getString("description"));
    }
}
