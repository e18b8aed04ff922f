package dev.sluice.api;

/**
 * A callback given as {@code handler:com.example.MyCallback} ({@code on_failure}, {@code on_retry},
 * {@code on_success}, {@code on_sla_miss}, {@code on_execute}, and a DAG's {@code on_failure}/{@code on_success}).
 * It runs once per event, after the change that caused it was stored; whatever it does or throws never changes a
 * task's state (a throw is logged). Implementations need a public no-argument constructor.
 *
 * <pre>{@code
 * public final class PageOnCall implements Callback {
 *     public void call(CallbackContext ctx) {
 *         if (ctx.tryNumber() == ctx.maxTries()) {
 *             Pager.page(ctx.dagId() + "." + ctx.taskId() + " failed: " + ctx.error() + " (log: " + ctx.log() + ")");
 *         }
 *     }
 * }
 * }</pre>
 */
@FunctionalInterface
public interface Callback {
    void call(CallbackContext context) throws Exception;
}
