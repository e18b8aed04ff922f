package dev.sluice.cli.local;

import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;

/** ANSI colours for states, used only when stdout is a terminal. */
final class Colors {
    private static final String RESET = "\u001b[0m";

    private Colors() {
    }

    static String state(TaskState s, String text) {
        String c = switch (s) {
            case SUCCESS -> "\u001b[32m";
            case FAILED, UPSTREAM_FAILED -> "\u001b[31m";
            case UP_FOR_RETRY, UP_FOR_RESCHEDULE -> "\u001b[33m";
            case SKIPPED, REMOVED -> "\u001b[90m";
            case RUNNING, QUEUED -> "\u001b[36m";
            default -> "";
        };
        return c.isEmpty() ? text : c + text + RESET;
    }

    static String run(RunState s, String text) {
        return switch (s) {
            case SUCCESS -> "\u001b[32m" + text + RESET;
            case FAILED -> "\u001b[31m" + text + RESET;
            default -> text;
        };
    }
}
