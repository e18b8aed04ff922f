package dev.sluice.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The loader reads included files only through its port, and a pinned version holds and hashes them. */
class DagVersionRecordTest {
    private static final String DAG = """
            dag_id: gen
            tasks:
              - foreach_file: conf/items.yaml
                tasks: [{task_id: "t_{{ item }}", empty: true}]
              - foreach_file: conf/items.yaml
                as: again
                tasks: [{task_id: "u_{{ again }}", empty: true}]
            """;

    @Test
    void theLoaderReadsIncludedFilesThroughThePortOnceEachAndReportsThem() {
        List<String> asked = new java.util.ArrayList<>();
        SpecFiles files = name -> {
            asked.add(name);
            return "[a, b]\n";
        };

        DagLoader.LoadResult r = DagLoader.loadString(DAG, "dags/gen.yaml", files);

        assertThat(r.problems()).isEmpty();
        assertThat(r.dag().taskIds()).containsExactly("t_a", "t_b", "u_a", "u_b");
        assertThat(asked).containsExactly("conf/items.yaml");
        assertThat(r.included()).containsExactly(new IncludedFile("conf/items.yaml", "[a, b]\n"));
    }

    @Test
    void anUnreadableIncludedFileIsAProblemThatSaysWhy() {
        DagLoader.LoadResult r = DagLoader.loadString(DAG, "dags/gen.yaml", name -> {
            throw new SpecFiles.Unreadable("no such object");
        });

        assertThat(r.dag()).isNull();
        assertThat(r.errors()).map(dev.sluice.model.Problem::message)
                .contains("cannot read foreach_file 'dags/conf/items.yaml': no such object");
        assertThat(r.included()).isEmpty();
    }

    @Test
    void aPinnedVersionLoadsFromItsRecordAloneAndItsIdCoversTheIncludedFiles() {
        DagLoader.LoadResult first = DagLoader.loadString(DAG, "dags/gen.yaml", name -> "[a, b]\n");
        DagVersionRecord v1 = DagVersionRecord.of("dags/gen.yaml", DAG, first.included());
        DagVersionRecord v2 = DagVersionRecord.of("dags/gen.yaml", DAG, List.of(
                new IncludedFile("conf/items.yaml", "[a, b, c]\n")));

        assertThat(v2.version()).isNotEqualTo(v1.version()).hasSize(16);
        DagVersionRecord stored = DagVersionRecord.parse(v1.toJson());
        assertThat(stored).isEqualTo(v1);
        assertThat(stored.version()).isEqualTo(v1.version());
        DagLoader.LoadResult again = stored.load(name -> {
            throw new AssertionError("a record that holds its files never reads " + name);
        });
        assertThat(again.dag().taskIds()).containsExactly("t_a", "t_b", "u_a", "u_b");
    }

    @Test
    void aDagWithoutIncludedFilesKeepsTheVersionIdOfItsTextAndOldRecordsStillLoad() {
        String text = "dag_id: plain\ntasks: [{task_id: a, empty: true}]\n";
        DagVersionRecord v = DagVersionRecord.of("plain.yaml", text, List.of());
        // the id that versions had before they held files: sha256(text), 16 hex digits
        assertThat(v.version()).isEqualTo(new DagVersionRecord("plain.yaml", text, null).version());
        assertThat(v.version()).isEqualTo(java.util.HexFormat.of().formatHex(sha256(text)).substring(0, 16));

        DagVersionRecord old = DagVersionRecord.parse(
                "{\"source\":\"dags/gen.yaml\",\"text\":" + dev.sluice.engine.Json.write(DAG) + "}");
        assertThat(old.holdsFiles()).isFalse();
        DagLoader.LoadResult r = old.load(SpecFiles.of(Map.of("conf/items.yaml", "[x]\n")));
        assertThat(r.dag().taskIds()).containsExactly("t_x", "u_x");
    }

    private static byte[] sha256(String s) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
