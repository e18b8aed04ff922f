package dev.sluice.model;

import java.util.Objects;

/** What a task does. Exactly one kind per task. */
public sealed interface TaskKind {

    /** Shell command run with {@code /bin/sh -c}. Exit 0 = success, 99 = skipped, anything else = failure. */
    record Command(String command) implements TaskKind {
        public Command {
            Objects.requireNonNull(command, "command");
        }
    }

    /** A Java class implementing {@link dev.sluice.api.Task}. */
    record Handler(String className) implements TaskKind {
        public Handler {
            Objects.requireNonNull(className, "className");
        }
    }

    /** An AWS Lambda function name or ARN, invoked by the AWS runtime. */
    record Function(String function) implements TaskKind {
        public Function {
            Objects.requireNonNull(function, "function");
        }
    }

    /** No work: succeeds at once. */
    record Empty() implements TaskKind {
    }

    static TaskKind empty() {
        return new Empty();
    }

    /** The spec field name of this kind: command, handler, function or empty. */
    default String fieldName() {
        if (this instanceof Command) {
            return "command";
        } else if (this instanceof Handler) {
            return "handler";
        } else if (this instanceof Function) {
            return "function";
        }
        return "empty";
    }
}
