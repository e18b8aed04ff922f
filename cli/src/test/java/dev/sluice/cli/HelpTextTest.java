package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The help texts read as written. The rule, checked for every command and subcommand:
 * <ol>
 *   <li>each line of a description (command, option or parameter) and of a footer is whole: it ends a sentence
 *       ({@code .}, {@code ?}, {@code !} or {@code :}), and its brackets and quotes are balanced;</li>
 *   <li>a command's description lines are at most {@value #WIDTH} characters, so picocli never wraps them;</li>
 *   <li>in a parent's command list, each command's summary (its first description line) is shown whole on one
 *       line;</li>
 *   <li>where picocli wraps an option's description into its column, it breaks only at spaces: the rendered help,
 *       with runs of white space made one space, contains each description line as written.</li>
 * </ol>
 * A line {@code Example: sluice ...} is a command, not a sentence; {@code FirstHourIT} runs it. A long one
 * goes on with a next line after a trailing backslash, as in a shell.
 */
class HelpTextTest {
    static final int WIDTH = 80;
    /** How a help text gives an example command: a line {@code Example: sluice ...}. */
    static final String EXAMPLE = "Example: ";
    private static final Pattern SPACES = Pattern.compile("\\s+");

    static List<CommandLine> all() {
        List<CommandLine> out = new ArrayList<>();
        walk(Main.newCommandLine(), out);
        return out;
    }

    private static void walk(CommandLine cl, List<CommandLine> out) {
        out.add(cl);
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (!out.contains(sub)) {
                walk(sub, out);
            }
        }
    }

    @Test
    void everyDescriptionLineIsWholeAndCommandLinesFitTheWidth() {
        List<String> bad = new ArrayList<>();
        for (CommandLine cl : all()) {
            CommandSpec spec = cl.getCommandSpec();
            String name = spec.qualifiedName();
            if (spec.userObject() instanceof CommandLine.HelpCommand) {
                continue; // picocli's own text
            }
            boolean continued = false;
            for (String line : spec.usageMessage().description()) {
                if (!continued) {
                    check(name + " description", line, bad);
                }
                continued = line.strip().startsWith(EXAMPLE) && line.endsWith("\\")
                        || continued && line.endsWith("\\");
                if (line.length() > WIDTH) {
                    bad.add(name + " description: longer than " + WIDTH + " characters, picocli wraps it: " + line);
                }
            }
            for (String line : spec.usageMessage().footer()) {
                if (!line.isBlank()) {
                    check(name + " footer", line, bad);
                }
            }
            for (ArgSpec arg : spec.args()) {
                if (arg.hidden()) {
                    continue;
                }
                for (String line : arg.description()) {
                    check(name + " " + label(arg), line, bad);
                }
            }
        }
        assertThat(bad).isEmpty();
    }

    @Test
    void everyCommandListShowsEachSummaryWholeOnOneLine() {
        List<String> bad = new ArrayList<>();
        for (CommandLine cl : all()) {
            if (cl.getSubcommands().isEmpty()) {
                continue;
            }
            String usage = cl.getUsageMessage(CommandLine.Help.Ansi.OFF);
            for (var e : cl.getSubcommands().entrySet()) {
                var message = e.getValue().getCommandSpec().usageMessage();
                String[] desc = message.header().length > 0 ? message.header() : message.description();
                String summary = desc.length == 0 ? "" : desc[0];
                Pattern oneLine = Pattern.compile("(?m)^  " + Pattern.quote(e.getKey()) + " +"
                        + Pattern.quote(summary) + "$");
                if (!oneLine.matcher(usage).find()) {
                    bad.add(cl.getCommandSpec().qualifiedName() + ": '" + e.getKey() + "' is not listed on one line"
                            + " as '" + summary + "'");
                }
            }
        }
        assertThat(bad).isEmpty();
    }

    @Test
    void wrappedTextBreaksOnlyAtSpaces() {
        List<String> bad = new ArrayList<>();
        for (CommandLine cl : all()) {
            if (cl.getCommandSpec().userObject() instanceof CommandLine.HelpCommand) {
                continue;
            }
            String usage = one(cl.getUsageMessage(CommandLine.Help.Ansi.OFF));
            CommandSpec spec = cl.getCommandSpec();
            List<String> lines = new ArrayList<>(List.of(spec.usageMessage().description()));
            for (ArgSpec arg : spec.args()) {
                if (!arg.hidden()) {
                    lines.addAll(List.of(arg.description()));
                }
            }
            for (String line : lines) {
                String want = one(line.replace("${DEFAULT-VALUE}", "")).strip();
                if (!want.isEmpty() && !line.contains("${") && !usage.contains(want)) {
                    bad.add(spec.qualifiedName() + ": the help breaks inside a word of: " + line);
                }
            }
        }
        assertThat(bad).isEmpty();
    }

    private static String one(String s) {
        return SPACES.matcher(s).replaceAll(" ");
    }

    private static String label(ArgSpec arg) {
        return arg instanceof CommandLine.Model.OptionSpec o ? o.longestName() : arg.paramLabel();
    }

    /** Adds a finding when {@code line} does not end a sentence or leaves a bracket or quote open. */
    static void check(String where, String line, List<String> bad) {
        String s = line.strip();
        if (s.isEmpty()) {
            return;
        }
        char last = s.charAt(s.length() - 1);
        if (s.startsWith(EXAMPLE)) {
            last = '.'; // a command to type, run by FirstHourIT
        }
        if (".?!:".indexOf(last) < 0 && !(last == ')' && s.length() > 1 && ".?!".indexOf(s.charAt(s.length() - 2)) >= 0)) {
            bad.add(where + ": does not end a sentence: " + line);
        }
        if (!balanced(s)) {
            bad.add(where + ": brackets or quotes do not balance: " + line);
        }
    }

    static boolean balanced(String s) {
        StringBuilder stack = new StringBuilder();
        boolean quote = false;
        for (char c : s.toCharArray()) {
            if (c == '"') {
                quote = !quote;
            } else if (quote) {
                continue;
            } else if (c == '(' || c == '[' || c == '{') {
                stack.append(c);
            } else if (c == ')' || c == ']' || c == '}') {
                char open = c == ')' ? '(' : c == ']' ? '[' : '{';
                if (stack.isEmpty() || stack.charAt(stack.length() - 1) != open) {
                    return false;
                }
                stack.setLength(stack.length() - 1);
            }
        }
        return stack.isEmpty() && !quote;
    }
}
