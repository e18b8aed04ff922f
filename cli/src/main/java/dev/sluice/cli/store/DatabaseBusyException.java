package dev.sluice.cli.store;

import dev.sluice.store.StoreException;

/**
 * Another process held SQLite's lock for longer than the busy timeout (SQLITE_BUSY or SQLITE_LOCKED). Nothing was
 * written; the same work may be tried again as it is. The local runner waits and tries again for as long as it
 * takes, so a finished try is never run a second time because its completion could not be written at once.
 */
public final class DatabaseBusyException extends StoreException {
    public DatabaseBusyException(String message, Throwable cause) {
        super(message, true, cause);
    }
}
