package dev.sluice.cli.init;

import dev.sluice.cli.CliException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * The jars a new project compiles and tests against, found in the Sluice checkout this CLI runs from:
 * {@code api/target/sluice-api-V.jar}, {@code testkit/target/sluice-testkit-V-kit.jar} and the kit's pom
 * ({@code testkit/target/dist/sluice-testkit.pom}). The checkout is the folder above {@code cli/target} (where both
 * {@code sluice.jar} and the classes folder are), or {@code -Dsluice.root}.
 *
 * @param version the version they get in the project: the Sluice version without {@code -SNAPSHOT}, then a hash of
 *                the jars, so that a newer build never hides behind a cached older one in {@code ~/.m2}
 */
public record KitArtifacts(Path apiJar, Path kitJar, String kitPom, String version) {

    public static KitArtifacts locate() {
        Path root = root();
        Path api = single(root.resolve("api/target"), "sluice-api-", ".jar", root);
        Path kit = single(root.resolve("testkit/target"), "sluice-testkit-", "-kit.jar", root);
        Path pom = root.resolve("testkit/target/dist/sluice-testkit.pom");
        if (!Files.isRegularFile(pom)) {
            throw missing(root, pom);
        }
        try {
            String name = api.getFileName().toString();
            String base = name.substring("sluice-api-".length(), name.length() - ".jar".length())
                    .replace("-SNAPSHOT", "");
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Path p : List.of(api, kit)) {
                try (InputStream in = Files.newInputStream(p)) {
                    sha.update(in.readAllBytes());
                }
            }
            String hash = HexFormat.of().formatHex(sha.digest()).substring(0, 10);
            return new KitArtifacts(api, kit, Files.readString(pom), base + "-" + hash);
        } catch (IOException e) {
            throw CliException.invalid("cannot read the Sluice artifacts in " + root + ": " + e.getMessage());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path root() {
        String given = System.getProperty("sluice.root");
        if (given != null) {
            return Path.of(given).toAbsolutePath().normalize();
        }
        try {
            Path here = Path.of(KitArtifacts.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            // cli/target/sluice.jar or cli/target/classes
            Path root = here.getParent().getParent().getParent();
            if (root != null && Files.isDirectory(root.resolve("cli")) && Files.isDirectory(root.resolve("api"))) {
                return root;
            }
        } catch (Exception e) {
            // fall through
        }
        throw CliException.invalid("sluice init needs the Sluice checkout this command was built from (its api/ "
                + "and testkit/ build the jars a new project uses); run it through the checkout's ./sluice, or set "
                + "-Dsluice.root=CHECKOUT in SLUICE_JAVA_OPTS");
    }

    private static Path single(Path dir, String prefix, String suffix, Path root) {
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                List<Path> found = s.filter(p -> {
                    String n = p.getFileName().toString();
                    return n.startsWith(prefix) && n.endsWith(suffix) && !n.contains("sources")
                            && !n.contains("tests") && (suffix.equals("-kit.jar") || !n.endsWith("-kit.jar"));
                }).sorted().toList();
                if (!found.isEmpty()) {
                    return found.get(found.size() - 1);
                }
            } catch (IOException e) {
                throw CliException.invalid("cannot list " + dir + ": " + e.getMessage());
            }
        }
        throw missing(root, dir.resolve(prefix + "*" + suffix));
    }

    private static CliException missing(Path root, Path what) {
        return CliException.invalid(what + " is not built; build it with: cd " + root
                + " && mvn -q -B -pl cli,testkit -am package -DskipTests (the ./sluice launcher does this too)");
    }
}
