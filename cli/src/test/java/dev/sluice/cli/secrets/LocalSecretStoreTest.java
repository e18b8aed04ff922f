package dev.sluice.cli.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.Connection;
import dev.sluice.cli.CliException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalSecretStoreTest {
    @TempDir
    Path home;

    @Test
    void valuesAreEncryptedBoundToTheirNameAndReadableByTheOwnerAlone() throws Exception {
        LocalSecretStore store = new LocalSecretStore(home);
        store.setVariable("db_password", "hunter2-long", "the db");
        store.putConnection(new Connection("api", "https", "api.example.com", 443, "etl", "pw-42-secret", null,
                "{\"timeout\":5}"));
        String file = Files.readString(store.file());
        assertThat(file).doesNotContain("hunter2", "pw-42", "api.example.com").contains("db_password", "the db");
        for (Path p : new Path[] {store.file(), store.keyFile()}) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).isEqualTo("rw-------");
        }
        LocalSecretStore again = new LocalSecretStore(home);
        assertThat(again.variable("db_password")).contains("hunter2-long");
        assertThat(again.connection("api").orElseThrow().extra()).isEqualTo("{\"timeout\":5}");
        assertThat(again.connection("api").orElseThrow().port()).isEqualTo(443);

        // a value moved to another name does not decrypt there
        Files.writeString(store.file(), file.replace("\"db_password\"", "\"other\""));
        assertThatThrownBy(() -> again.variable("other")).isInstanceOf(CliException.class)
                .hasMessageContaining("cannot be decrypted");
        Files.writeString(store.file(), file);
        // another key reads nothing
        Files.writeString(store.keyFile(), java.util.Base64.getEncoder().encodeToString(new byte[32]));
        assertThatThrownBy(() -> again.variable("db_password")).isInstanceOf(CliException.class)
                .hasMessageContaining("cannot be decrypted with");
    }

    @Test
    void theEnvironmentComesFirst() {
        LocalSecretStore store = new LocalSecretStore(home);
        store.setVariable("region", "eu-west-1", null);
        var secrets = LocalSecrets.of(home, Map.of("SLUICE_VAR_REGION", "us-east-2",
                "SLUICE_CONN_WAREHOUSE", "postgres://u:p@h:5432/db"));
        assertThat(secrets.variable("region")).contains("us-east-2");
        assertThat(secrets.connection("warehouse").orElseThrow().schema()).isEqualTo("db");
        assertThat(LocalSecrets.of(home, Map.of()).variable("region")).contains("eu-west-1");
        assertThat(secrets.variable("nope")).isEmpty();
        assertThat(store.deleteVariable("region")).isTrue();
        assertThat(store.deleteVariable("region")).isFalse();
    }
}
