package dev.sluice.api;

/**
 * The one interface users implement for a {@code handler} task. The local runtime and the Lambda task runtime both
 * run it, so a task tested on a laptop behaves the same on AWS.
 *
 * <pre>{@code
 * public final class LoadStaging implements Task {
 *     public Object run(TaskContext ctx) {
 *         String day = ctx.ds();                              // "2024-01-01"
 *         Object rows = ctx.upstreamOutput("extract_sources.extract_salesforce");
 *         if (Boolean.TRUE.equals(ctx.params().get("dry_run"))) {
 *             throw new SkipTask("dry run");                  // becomes "skipped"
 *         }
 *         return java.util.Map.of("loaded", 42, "day", day); // the output (XCom), stored as JSON
 *     }
 * }
 * }</pre>
 *
 * A branch task returns the task ids to follow: a {@code String} ("a,b") or a {@code List<String>}.
 * Throwing any other exception fails the try; {@link NonRetryableTaskException} fails it without retries.
 * Implementations need a public no-argument constructor.
 */
@FunctionalInterface
public interface Task {
    /**
     * Does the work of one try.
     *
     * @return the output: null, a String, a Number, a Boolean, a List or a Map (anything Jackson can write as JSON)
     */
    Object run(TaskContext context) throws Exception;
}
