package dev.sluice.functions.e2e;

import dev.sluice.api.Callback;
import dev.sluice.api.CallbackContext;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/** A handler callback for AlertsIT: keeps every context it is called with (sluice dev runs it in this JVM). */
public final class RecordingCallback implements Callback {
    static final Queue<CallbackContext> CALLS = new ConcurrentLinkedQueue<>();

    @Override
    public void call(CallbackContext context) {
        CALLS.add(context);
    }
}
