package dev.sluice.engine;

import java.util.Locale;

/** Why a run exists; the prefix of its run id. */
public enum RunType {
    SCHEDULED, MANUAL, BACKFILL, S3, EXTERNAL;

    public String prefix() {
        return name().toLowerCase(Locale.ROOT);
    }
}
