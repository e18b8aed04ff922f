package dev.sluice.cli.store;

import java.util.List;

/**
 * The embedded database's schema, version 2. Every statement is idempotent (IF NOT EXISTS).
 *
 * <p>Version 2 (from 1): the run's {@code unfinished} counter became {@code pending} (instances with work ahead of
 * them, not those never reached) and {@code waiting} was added; {@link #MIGRATE_FROM_1} recomputes both. Task
 * instances gained the tentative mark of ordered writes ({@code tentative_source}, {@code tentative_before}).
 */
final class SqliteSchema {
    /** The schema this code reads and writes. A database with a higher number was written by a newer Sluice. */
    static final int VERSION = 2;

    /** {@code PRAGMA application_id} of a Sluice database: "Slcd". Tells our files from other SQLite files. */
    static final int APPLICATION_ID = 0x536C6364;

    static final List<String> DDL = List.of(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
            """
            CREATE TABLE IF NOT EXISTS dag_versions (
              dag_id    TEXT NOT NULL,
              version   TEXT NOT NULL,
              spec_text TEXT NOT NULL,
              PRIMARY KEY (dag_id, version))""",
            """
            CREATE TABLE IF NOT EXISTS runs (
              run_id              TEXT NOT NULL PRIMARY KEY,
              dag_id              TEXT NOT NULL,
              run_type            TEXT NOT NULL,
              logical_date        INTEGER NOT NULL,
              data_interval_start INTEGER,
              data_interval_end   INTEGER,
              state               TEXT NOT NULL,
              conf_json           TEXT,
              dag_version         TEXT,
              queued_at           INTEGER,
              started_at          INTEGER,
              ended_at            INTEGER,
              pending             INTEGER NOT NULL,
              active_tasks        INTEGER NOT NULL,
              waiting             INTEGER NOT NULL DEFAULT 0,
              failed_leaves       INTEGER NOT NULL,
              version             INTEGER NOT NULL,
              earlier_versions    TEXT)""",
            "CREATE INDEX IF NOT EXISTS runs_by_dag ON runs (dag_id, logical_date)",
            "CREATE INDEX IF NOT EXISTS runs_by_dag_state ON runs (dag_id, state, logical_date)",
            "CREATE INDEX IF NOT EXISTS runs_by_date ON runs (logical_date)",
            // position = the task's place in the DAG's topological order, so waiting instances can be listed in
            // Engine.admissionOrder without the DAG. Upstream join counters are plain columns.
            """
            CREATE TABLE IF NOT EXISTS task_instances (
              run_id             TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
              task_id            TEXT NOT NULL,
              map_index          INTEGER NOT NULL,
              state              TEXT NOT NULL,
              try_number         INTEGER NOT NULL,
              max_tries          INTEGER NOT NULL,
              priority           INTEGER NOT NULL,
              position           INTEGER NOT NULL,
              up_success         INTEGER NOT NULL,
              up_skipped         INTEGER NOT NULL,
              up_failed          INTEGER NOT NULL,
              up_upstream_failed INTEGER NOT NULL,
              up_removed         INTEGER NOT NULL,
              map_count          INTEGER NOT NULL,
              item_json          TEXT,
              output_json        TEXT,
              error              TEXT,
              queued_at          INTEGER,
              started_at         INTEGER,
              ended_at           INTEGER,
              deadline           INTEGER,
              next_attempt_at    INTEGER,
              version            INTEGER NOT NULL,
              tentative_source   TEXT,
              tentative_before   TEXT,
              PRIMARY KEY (run_id, task_id, map_index))""",
            // Admission reads only this: the run's waiting instances, best first. Partial, so it stays small.
            """
            CREATE INDEX IF NOT EXISTS task_instances_waiting
              ON task_instances (run_id, priority DESC, position, map_index) WHERE state = 'scheduled'""",
            """
            CREATE TABLE IF NOT EXISTS pools (
              name TEXT NOT NULL PRIMARY KEY,
              used INTEGER NOT NULL DEFAULT 0 CHECK (used >= 0),
              size INTEGER,
              declared_by TEXT,
              description TEXT)""",
            """
            CREATE TABLE IF NOT EXISTS timers (
              fire_at    INTEGER NOT NULL,
              run_id     TEXT NOT NULL,
              task_id    TEXT NOT NULL,
              map_index  INTEGER NOT NULL,
              try_number INTEGER NOT NULL,
              kind       TEXT NOT NULL,
              PRIMARY KEY (fire_at, run_id, task_id, map_index, try_number, kind)) WITHOUT ROWID""",
            """
            CREATE TABLE IF NOT EXISTS circuit_breakers (
              name      TEXT NOT NULL PRIMARY KEY,
              status    TEXT NOT NULL,
              failures  INTEGER NOT NULL,
              opened_at INTEGER,
              probe     TEXT,
              version   INTEGER NOT NULL)""",
            // Callbacks and alerts to run (an outbox): one row per effect key, written with the decision.
            """
            CREATE TABLE IF NOT EXISTS effects (
              run_id     TEXT NOT NULL,
              effect_key TEXT NOT NULL,
              state      TEXT NOT NULL,
              body       TEXT NOT NULL,
              detail     TEXT,
              PRIMARY KEY (run_id, effect_key))""");

    /** Tables added within version 2 (the last entries of {@link #DDL}): created on open when missing. */
    static final int ADDED_TABLES = 2;

    /**
     * Nullable columns added within version 2 (table, column, type, then what to run once it is added): added on
     * open when missing. {@code pools.declared_by} names the DAG whose declaration gave the stored size (null: set by
     * hand); the sizes earlier code stored came from whichever DAG wrote last, so they are forgotten (the next take
     * records its DAG's). {@code pools.description} is the note of {@code sluice pools set --description}.
     */
    static final List<String[]> ADDED_COLUMNS = List.of(
            new String[] {"pools", "declared_by", "TEXT", "UPDATE pools SET size = NULL"},
            new String[] {"pools", "description", "TEXT", null},
            new String[] {"runs", "earlier_versions", "TEXT", null});

    /** Upgrades a version-1 database in place; run in one transaction. */
    static final List<String> MIGRATE_FROM_1 = List.of(
            "ALTER TABLE runs RENAME COLUMN unfinished TO pending",
            "ALTER TABLE runs ADD COLUMN waiting INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE task_instances ADD COLUMN tentative_source TEXT",
            "ALTER TABLE task_instances ADD COLUMN tentative_before TEXT",
            """
            UPDATE runs SET
              pending = (SELECT count(*) FROM task_instances t WHERE t.run_id = runs.run_id
                         AND t.state IN ('scheduled', 'queued', 'running', 'up_for_retry', 'up_for_reschedule')),
              waiting = (SELECT count(*) FROM task_instances t WHERE t.run_id = runs.run_id
                         AND t.state = 'scheduled')""",
            "UPDATE schema_version SET version = 2");

    private SqliteSchema() {
    }
}
