package dev.sluice.state;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers which declared transitions were taken, so a test can fail when a row of the table is never
 * exercised. Off unless a test turns it on; recording is a set insert, no I/O.
 */
public final class TransitionRecorder {
    private static volatile boolean enabled;
    private static final Set<String> SEEN = ConcurrentHashMap.newKeySet();

    private TransitionRecorder() {
    }

    public static void enable() {
        enabled = true;
    }

    static void record(Enum<?> from, Enum<?> to) {
        if (enabled) {
            SEEN.add(key(from, to));
        }
    }

    public static boolean seen(Enum<?> from, Enum<?> to) {
        return SEEN.contains(key(from, to));
    }

    private static String key(Enum<?> from, Enum<?> to) {
        return from.getDeclaringClass().getSimpleName() + ":" + from.name() + "->" + to.name();
    }
}
