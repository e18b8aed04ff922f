package dev.sluice.functions.devhost;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Which of the functions {@code sluice dev} hosts may run in a recursive loop: Lambda stops a function's 17th
 * invocation in one chain ({@link Lineage}) unless its {@code RecursiveLoop} is {@code Allow}; the default,
 * {@code Terminate}, stops it. The dev host stands in one function for several of template.yaml's (every task
 * function), so that one is allowed only when all of them are.
 */
public record RecursiveLoop(Set<String> allowed) {
    /** Invocations of one function in one chain that Lambda lets run; the next one is stopped. */
    public static final int MAX_INVOCATIONS = 16;

    static final String COORDINATOR_HANDLER = "dev.sluice.functions.CoordinatorHandler";
    static final String COMMAND_RUNNER_HANDLER = "dev.sluice.functions.CommandRunnerHandler";
    static final String TASK_FUNCTION_HANDLER = "dev.sluice.functions.TaskFunctionHandler";

    public RecursiveLoop {
        allowed = Set.copyOf(allowed);
    }

    /** Lambda's default for every function: stop the 17th invocation. */
    public static RecursiveLoop terminate() {
        return new RecursiveLoop(Set.of());
    }

    /** Every hosted function may loop. */
    public static RecursiveLoop allowAll() {
        return new RecursiveLoop(Set.of(DevHost.COORDINATOR, DevHost.COMMAND_RUNNER, DevHost.TASK_FUNCTION));
    }

    /**
     * What template.yaml sets today, for a {@code sluice dev} with no template at hand (a test keeps it equal to
     * {@link #fromTemplate} of the repository's template): the coordinator loops by design.
     */
    public static RecursiveLoop shipped() {
        return new RecursiveLoop(Set.of(DevHost.COORDINATOR, DevHost.COMMAND_RUNNER, DevHost.TASK_FUNCTION));
    }

    public boolean allows(String function) {
        return allowed.contains(function);
    }

    /**
     * The settings of a SAM template (its tree, short-form tags read or dropped): each function's
     * {@code RecursiveLoop}, else {@code Globals.Function.RecursiveLoop}, else Terminate; the hosted coordinator,
     * command runner and task function take those of the template's functions with the same handler class.
     */
    public static RecursiveLoop fromTemplate(JsonNode template) {
        String global = template.path("Globals").path("Function").path("RecursiveLoop").asText("Terminate");
        Map<String, String> hostedByHandler = Map.of(COORDINATOR_HANDLER, DevHost.COORDINATOR,
                COMMAND_RUNNER_HANDLER, DevHost.COMMAND_RUNNER, TASK_FUNCTION_HANDLER, DevHost.TASK_FUNCTION);
        Set<String> allowed = new HashSet<>();
        Set<String> terminated = new HashSet<>();
        for (Iterator<JsonNode> it = template.path("Resources").elements(); it.hasNext(); ) {
            JsonNode r = it.next();
            if (!r.path("Type").asText().equals("AWS::Serverless::Function")) {
                continue;
            }
            JsonNode p = r.path("Properties");
            String handler = p.path("Handler").asText("");
            int colons = handler.indexOf("::");
            String hosted = hostedByHandler.get(colons < 0 ? handler : handler.substring(0, colons));
            if (hosted == null) {
                continue;
            }
            boolean allow = p.path("RecursiveLoop").asText(global).equals("Allow");
            (allow ? allowed : terminated).add(hosted);
        }
        allowed.removeAll(terminated);
        return new RecursiveLoop(allowed);
    }
}
