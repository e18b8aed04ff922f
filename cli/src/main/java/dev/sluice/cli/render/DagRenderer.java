package dev.sluice.cli.render;

import dev.sluice.model.Dag;

/** Draws a DAG as text. Implementations are stateless. */
public interface DagRenderer {
    String render(Dag dag);

    /** The {@code --format} values of {@code sluice dags show}. */
    enum Format {
        TEXT(new TextTreeRenderer()),
        MERMAID(new MermaidRenderer()),
        DOT(new DotRenderer());

        private final DagRenderer renderer;

        Format(DagRenderer renderer) {
            this.renderer = renderer;
        }

        public DagRenderer renderer() {
            return renderer;
        }
    }
}
