package dev.sluice.functions.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.TaskKind;
import org.junit.jupiter.api.Test;

class FunctionRouterTest {
    private static final String PATTERN = "arn:aws:lambda:eu-west-1:123456789012:function:sluice-0a1b2c3d-{name}:live";

    @Test
    void aHandlerClassRunsInTheFunctionNamedAfterItsSimpleName() {
        FunctionRouter r = new FunctionRouter(PATTERN, "runner");
        assertThat(r.functionFor(new TaskKind.Handler("dev.sluice.examples.warehouse.LoadStaging")))
                .contains("arn:aws:lambda:eu-west-1:123456789012:function:sluice-0a1b2c3d-LoadStaging:live");
        assertThat(r.functionFor(new TaskKind.Handler("Plain"))).contains(PATTERN.replace("{name}", "Plain"));
        assertThat(r.functionFor(new TaskKind.Handler("a.b.Outer$Inner")))
                .contains(PATTERN.replace("{name}", "Outer-Inner"));
    }

    @Test
    void aClassWhoseNameIsNoFunctionNameIsNotRoutedAndTheErrorSaysWhy() {
        FunctionRouter r = new FunctionRouter(PATTERN, "runner");
        TaskKind.Handler unicode = new TaskKind.Handler("a.b.Tâche");
        assertThat(r.functionFor(unicode)).isEmpty();
        assertThat(r.missing(unicode)).contains("a.b.Tâche").contains("not a valid Lambda function name");
        assertThat(FunctionRouter.functionNamePart("a.b.")).isNull();
    }

    @Test
    void aPatternWithoutThePlaceholderSendsEveryClassToOneFunction() {
        FunctionRouter r = new FunctionRouter("sluice-dev-task-function", "runner");
        assertThat(r.functionFor(new TaskKind.Handler("x.A"))).contains("sluice-dev-task-function");
        assertThat(r.functionFor(new TaskKind.Handler("y.B"))).contains("sluice-dev-task-function");
    }

    @Test
    void withoutAPatternHandlerTasksHaveNoFunction() {
        FunctionRouter r = new FunctionRouter(null, "runner");
        TaskKind.Handler h = new TaskKind.Handler("x.A");
        assertThat(r.functionFor(h)).isEmpty();
        assertThat(r.missing(h)).contains("SLUICE_HANDLER_FUNCTION_PATTERN");
    }

    @Test
    void commandsAndFunctionTasksGoToTheCommandRunner() {
        FunctionRouter r = new FunctionRouter(PATTERN, "runner");
        assertThat(r.functionFor(new TaskKind.Command("echo hi"))).contains("runner");
        assertThat(r.functionFor(new TaskKind.Function("my-fn"))).contains("runner");
        assertThat(new FunctionRouter(PATTERN, null).functionFor(new TaskKind.Command("echo hi"))).isEmpty();
    }
}
