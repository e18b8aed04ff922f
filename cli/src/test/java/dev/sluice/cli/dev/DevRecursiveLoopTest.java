package dev.sluice.cli.dev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.cli.CliException;
import dev.sluice.functions.devhost.DevHost;
import dev.sluice.functions.devhost.RecursiveLoop;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where {@code sluice dev} takes the functions' RecursiveLoop settings from. */
class DevRecursiveLoopTest {
    @TempDir
    Path tmp;

    @Test
    void theRepositorysTemplateLetsTheCoordinatorLoop() {
        DevCommand c = new DevCommand();
        c.template = Path.of("../template.yaml");
        RecursiveLoop r = c.recursiveLoop();
        assertThat(r).isEqualTo(RecursiveLoop.shipped());
        assertThat(r.allows(DevHost.COORDINATOR)).isTrue();
    }

    @Test
    void aTemplateWithoutTheSettingStopsLoops() throws Exception {
        Path t = tmp.resolve("template.yaml");
        Files.writeString(t, """
                Resources:
                  Coordinator:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: dev.sluice.functions.CoordinatorHandler::handleRequest
                      Timeout: !Ref Nothing
                """);
        DevCommand c = new DevCommand();
        c.template = t;
        assertThat(c.recursiveLoop()).isEqualTo(RecursiveLoop.terminate());
    }

    @Test
    void theOptionOverridesTheTemplateAndIsChecked() {
        DevCommand c = new DevCommand();
        c.recursiveLoop = "Terminate";
        assertThat(c.recursiveLoop()).isEqualTo(RecursiveLoop.terminate());
        c.recursiveLoop = "Allow";
        assertThat(c.recursiveLoop()).isEqualTo(RecursiveLoop.allowAll());
        c.recursiveLoop = "sometimes";
        assertThatThrownBy(c::recursiveLoop).isInstanceOf(CliException.class)
                .hasMessageContaining("--recursive-loop must be Allow or Terminate");
        c.recursiveLoop = null;
        c.template = tmp.resolve("missing.yaml");
        assertThatThrownBy(c::recursiveLoop).isInstanceOf(CliException.class).hasMessageContaining("is not a file");
    }
}
