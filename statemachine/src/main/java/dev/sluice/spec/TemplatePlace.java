package dev.sluice.spec;

import dev.sluice.model.Location;

/** Where a line and column of a template stand in the YAML file that holds it. */
final class TemplatePlace {
    private TemplatePlace() {
    }

    /**
     * The file position of {@code line:column} (1-based) of {@code template}, the value of {@code node}. Exact for a
     * one-line plain or quoted string without escapes and for a {@code |} block; for any other form (a folded or
     * multi-line flow string, a foreach-stamped value) the value's own position.
     */
    static Location of(SpecTree.Node node, String template, int line, int column) {
        Location at = node.at();
        if (!(node instanceof SpecTree.Scalar s) || at.line() <= 0) {
            return at;
        }
        boolean oneLine = template.indexOf('\n') < 0;
        switch (s.style()) {
            case ' ':
                return oneLine ? new Location(at.file(), at.line(), at.column() + column - 1) : at;
            case '\'':
            case '"':
                return oneLine ? new Location(at.file(), at.line(), at.column() + column) : at;
            case '|':
                return new Location(at.file(), at.line() + line, s.indent() + column);
            default:
                return at;
        }
    }
}
