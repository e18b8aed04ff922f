package dev.sluice.spec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.Problem;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.List;

/** Loads the DAG fixtures under src/test/resources/dags and small inline specs. */
final class SpecFixtures {
    private SpecFixtures() {
    }

    static Path dag(String name) {
        URL url = SpecFixtures.class.getResource("/dags/" + name);
        if (url == null) {
            throw new IllegalArgumentException("no fixture dags/" + name);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Loads YAML text as file "t.yaml". */
    static DagLoader.LoadResult yaml(String text) {
        return DagLoader.loadString(text, "t.yaml");
    }

    /** Loads YAML text that must be valid, and returns the result. */
    static DagLoader.LoadResult valid(String text) {
        DagLoader.LoadResult r = yaml(text);
        assertThat(r.errors()).as("errors").isEmpty();
        assertThat(r.dag()).isNotNull();
        return r;
    }

    /** The errors of YAML text that must be invalid. */
    static List<Problem> errors(String text) {
        DagLoader.LoadResult r = yaml(text);
        assertThat(r.dag()).as("dag of an invalid spec").isNull();
        assertThat(r.errors()).isNotEmpty();
        return r.errors();
    }

    /** The single error whose message contains {@code fragment}. */
    static Problem error(String text, String fragment) {
        List<Problem> errors = errors(text);
        List<Problem> matching = errors.stream().filter(p -> p.message().contains(fragment)).toList();
        assertThat(matching).as("errors containing '%s' among %s", fragment, errors).hasSize(1);
        return matching.get(0);
    }
}
