package dev.sluice.cli.secrets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Connection;
import dev.sluice.cli.CliException;
import dev.sluice.secrets.ConnectionText;
import dev.sluice.secrets.Secrets;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The local store of variables and connections: {@code secrets.json} in the Sluice home, each value encrypted with
 * AES-256-GCM under the key in {@code secret.key} beside it (32 random bytes, created on first write). Both files are
 * created with permissions 0600 (owner read/write only) before anything is written to them.
 *
 * <p>What this protects against: other local users (they can read neither file), and the store file leaving the
 * machine on its own (a backup, a bug report, a copied {@code .sluice} without the key): without the key its values
 * are unreadable, and each value is bound to its name (GCM's associated data), so values cannot be swapped between
 * names unnoticed. What it does not: anyone who runs as you or as root can read the key and the values, as they can
 * read anything else you can; variable names and connection ids are stored in clear text.
 */
public final class LocalSecretStore implements Secrets {
    public static final String FILE_NAME = "secrets.json";
    public static final String KEY_FILE_NAME = "secret.key";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path file;
    private final Path keyFile;

    public LocalSecretStore(Path home) {
        this.file = home.resolve(FILE_NAME);
        this.keyFile = home.resolve(KEY_FILE_NAME);
    }

    public Path file() {
        return file;
    }

    public Path keyFile() {
        return keyFile;
    }

    /** Variables by name: their values and descriptions, decrypted. */
    public TreeMap<String, Entry> variables() {
        return entries("variables");
    }

    /** Connections by id, decrypted. */
    public TreeMap<String, Connection> connections() {
        TreeMap<String, Connection> out = new TreeMap<>();
        entries("connections").forEach((id, e) -> out.put(id, ConnectionText.parse(id, e.value())));
        return out;
    }

    /** A stored value and its description (null when none). */
    public record Entry(String value, String description) {
    }

    @Override
    public Optional<String> variable(String name) {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Entry e = variables().get(name);
        return e == null ? Optional.empty() : Optional.of(e.value());
    }

    @Override
    public Optional<Connection> connection(String connId) {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        return Optional.ofNullable(connections().get(connId));
    }

    public void setVariable(String name, String value, String description) {
        update(root -> put(root, "variables", name, value, description));
    }

    public void putConnection(Connection c) {
        update(root -> put(root, "connections", c.connId(), ConnectionText.toJson(c), null));
    }

    /** @return whether it existed */
    public boolean deleteVariable(String name) {
        return delete("variables", name);
    }

    /** @return whether it existed */
    public boolean deleteConnection(String connId) {
        return delete("connections", connId);
    }

    private boolean delete(String section, String name) {
        boolean[] existed = {false};
        update(root -> existed[0] = root.with(section).remove(name) != null);
        return existed[0];
    }

    private void put(ObjectNode root, String section, String name, String value, String description) {
        ObjectNode e = root.with(section).putObject(name);
        e.put("value", encrypt(section + "/" + name, value));
        if (description != null) {
            e.put("description", description);
        }
    }

    private TreeMap<String, Entry> entries(String section) {
        TreeMap<String, Entry> out = new TreeMap<>();
        if (!Files.exists(file)) {
            return out;
        }
        JsonNode s = read().path(section);
        s.fields().forEachRemaining(f -> out.put(f.getKey(), new Entry(
                decrypt(section + "/" + f.getKey(), f.getValue().path("value").asText()),
                f.getValue().hasNonNull("description") ? f.getValue().get("description").asText() : null)));
        return out;
    }

    private ObjectNode read() {
        try {
            JsonNode n = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
            if (n instanceof ObjectNode o) {
                return o;
            }
            throw CliException.invalid(file.toAbsolutePath() + " is not a Sluice secrets file (not a JSON object)");
        } catch (IOException e) {
            throw CliException.invalid("cannot read " + file.toAbsolutePath() + ": " + e.getMessage());
        }
    }

    /** Read, change, write back under a lock, through a 0600 temporary file renamed over the store. */
    private synchronized void update(Consumer<ObjectNode> change) {
        try {
            Files.createDirectories(file.getParent());
            Path lock = file.resolveSibling(FILE_NAME + ".lock");
            createOwnerOnly(lock);
            try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.WRITE); FileLock ignored = ch.lock()) {
                ObjectNode root = Files.exists(file) ? read() : JSON.createObjectNode();
                change.accept(root);
                Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
                Files.deleteIfExists(tmp);
                createOwnerOnly(tmp);
                Files.writeString(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root),
                        StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
                try {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw CliException.invalid("cannot write " + file.toAbsolutePath() + ": " + e.getMessage());
        }
    }

    /** Creates an empty file readable by its owner alone (if absent), and insists on those permissions. */
    static void createOwnerOnly(Path p) throws IOException {
        try {
            Files.createFile(p, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (FileAlreadyExistsException e) {
            // keep it, but with owner-only permissions
        } catch (UnsupportedOperationException e) {
            Files.createFile(p);
            return;
        }
        try {
            Files.setPosixFilePermissions(p, OWNER_ONLY);
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system
        }
    }

    private byte[] key(boolean create) {
        try {
            if (!Files.exists(keyFile)) {
                if (!create) {
                    throw CliException.invalid("the key of " + file.toAbsolutePath() + " (" + keyFile.toAbsolutePath()
                            + ") is missing; its values cannot be read");
                }
                byte[] k = new byte[32];
                RANDOM.nextBytes(k);
                createOwnerOnly(keyFile);
                Files.writeString(keyFile, Base64.getEncoder().encodeToString(k) + "\n", StandardCharsets.US_ASCII);
                return k;
            }
            byte[] k = Base64.getDecoder().decode(Files.readString(keyFile, StandardCharsets.US_ASCII).strip());
            if (k.length != 32) {
                throw CliException.invalid(keyFile.toAbsolutePath() + " is not a Sluice key (32 bytes, base64)");
            }
            return k;
        } catch (IOException | IllegalArgumentException e) {
            throw CliException.invalid("cannot read the key " + keyFile.toAbsolutePath() + ": " + e.getMessage());
        }
    }

    private String encrypt(String name, String value) {
        try {
            byte[] iv = new byte[12];
            RANDOM.nextBytes(iv);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key(true), "AES"), new GCMParameterSpec(128, iv));
            c.updateAAD(name.getBytes(StandardCharsets.UTF_8));
            byte[] ct = c.doFinal(value.getBytes(StandardCharsets.UTF_8));
            byte[] out = new byte[iv.length + ct.length];
            System.arraycopy(iv, 0, out, 0, iv.length);
            System.arraycopy(ct, 0, out, iv.length, ct.length);
            return "v1:" + Base64.getEncoder().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available: " + e.getMessage(), e);
        }
    }

    private String decrypt(String name, String text) {
        if (!text.startsWith("v1:")) {
            throw CliException.invalid(file.toAbsolutePath() + ": the value of " + name + " is not encrypted by Sluice");
        }
        try {
            byte[] in = Base64.getDecoder().decode(text.substring(3));
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key(false), "AES"), new GCMParameterSpec(128, in, 0, 12));
            c.updateAAD(name.getBytes(StandardCharsets.UTF_8));
            return new String(c.doFinal(in, 12, in.length - 12), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw CliException.invalid(file.toAbsolutePath() + ": the value of " + name
                    + " cannot be decrypted with " + keyFile.toAbsolutePath() + " (a different key, or a damaged file)");
        }
    }
}
