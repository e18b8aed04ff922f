package dev.sluice.model;

import java.util.List;
import java.util.stream.Collectors;

/** Thrown when a DAG has validation errors; carries every problem found, not just the first. */
public final class DagValidationException extends IllegalArgumentException {
    private final transient List<Problem> problems;

    public DagValidationException(List<Problem> problems) {
        super(problems.stream().map(Problem::toString).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() {
        return problems;
    }
}
