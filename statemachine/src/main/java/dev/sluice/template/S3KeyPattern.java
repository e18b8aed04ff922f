package dev.sluice.template;

import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A compiled S3 key pattern for file-arrival triggers and sensors ({@code trigger: {s3: {bucket, key}}}).
 * It tells whether a new object's key matches, and which logical date the key names.
 *
 * <pre>{@code
 * S3KeyPattern p = S3KeyPattern.compile("raw/{{ ds }}/data_*.parquet");
 * p.match("raw/2024-01-01/data_7.parquet")   // Match[logicalDate=2024-01-01, wildcards=[7]]
 * p.match("raw/2024-01-01/x/data_7.parquet") // empty: * does not cross '/'
 * S3KeyPattern.compile("landing/{{ ds_nodash }}/**.csv").match("landing/20240101/a/b.csv") // wildcards=[a/b]
 * }</pre>
 *
 * Syntax: {@code {{ ds }}} matches {@code YYYY-MM-DD}, {@code {{ ds_nodash }}} matches {@code YYYYMMDD} (both must
 * be a real date; if both appear they must agree); {@code *} matches any characters within one path segment
 * (no {@code /}), {@code **} any characters including {@code /}. Everything else is literal, including regex
 * metacharacters such as {@code . + ( ) [ ] $ ^ ? |} and backslashes. The whole key must match.
 * Other template variables or tags are rejected: they have no value when an object arrives.
 * Immutable and thread-safe.
 */
public final class S3KeyPattern {

    /** A successful match: the key, the date from {@code ds}/{@code ds_nodash} if the pattern has one, and the text each wildcard matched, in order. */
    public record Match(String key, Optional<LocalDate> logicalDate, List<String> wildcards) {
        public Match {
            wildcards = List.copyOf(wildcards);
        }
    }

    private enum Group { DS, DS_NODASH, WILDCARD }

    private static final Pattern VARIABLE = Pattern.compile("\\{\\{\\s*([^}]*?)\\s*}}");

    private final String pattern;
    private final Pattern regex;
    private final List<Group> groups;
    private final String literalPrefix;

    private S3KeyPattern(String pattern, Pattern regex, List<Group> groups, String literalPrefix) {
        this.pattern = pattern;
        this.regex = regex;
        this.groups = groups;
        this.literalPrefix = literalPrefix;
    }

    /**
     * Compiles {@code pattern}.
     *
     * @throws IllegalArgumentException naming the pattern if it uses a variable other than ds / ds_nodash, a tag, or
     *                                  an unterminated {@code {{}
     */
    public static S3KeyPattern compile(String pattern) {
        Objects.requireNonNull(pattern, "pattern");
        if (pattern.isEmpty()) {
            throw new IllegalArgumentException("invalid S3 key pattern '': empty");
        }
        if (pattern.contains("{%") || pattern.contains("{#")) {
            throw new IllegalArgumentException("invalid S3 key pattern '" + pattern
                    + "': only {{ ds }}, {{ ds_nodash }}, * and ** are allowed, not template tags or comments");
        }
        StringBuilder re = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        StringBuilder prefix = new StringBuilder();
        boolean prefixDone = false;
        List<Group> groups = new ArrayList<>();
        int i = 0;
        while (i < pattern.length()) {
            char c = pattern.charAt(i);
            if (c == '{' && pattern.startsWith("{{", i)) {
                Matcher m = VARIABLE.matcher(pattern);
                if (!m.find(i) || m.start() != i) {
                    throw new IllegalArgumentException("invalid S3 key pattern '" + pattern
                            + "': unterminated '{{' at position " + i);
                }
                String name = m.group(1);
                Group g = switch (name) {
                    case "ds" -> Group.DS;
                    case "ds_nodash" -> Group.DS_NODASH;
                    default -> throw new IllegalArgumentException("invalid S3 key pattern '" + pattern
                            + "': unsupported variable '" + name + "'; only {{ ds }} and {{ ds_nodash }} are known when "
                            + "an object arrives");
                };
                flush(re, literal);
                re.append(g == Group.DS ? "(\\d{4}-\\d{2}-\\d{2})" : "(\\d{8})");
                groups.add(g);
                prefixDone = true;
                i = m.end();
            } else if (c == '*') {
                flush(re, literal);
                boolean any = pattern.startsWith("**", i);
                re.append(any ? "(.*)" : "([^/]*)");
                groups.add(Group.WILDCARD);
                prefixDone = true;
                i += any ? 2 : 1;
            } else {
                literal.append(c);
                if (!prefixDone) {
                    prefix.append(c);
                }
                i++;
            }
        }
        flush(re, literal);
        return new S3KeyPattern(pattern, Pattern.compile(re.toString(), Pattern.DOTALL), List.copyOf(groups),
                prefix.toString());
    }

    private static void flush(StringBuilder re, StringBuilder literal) {
        if (literal.length() > 0) {
            re.append(Pattern.quote(literal.toString()));
            literal.setLength(0);
        }
    }

    /** Matches the whole {@code key}; empty if it does not match or names an impossible date (2024-02-30). */
    public Optional<Match> match(String key) {
        if (key == null) {
            return Optional.empty();
        }
        Matcher m = regex.matcher(key);
        if (!m.matches()) {
            return Optional.empty();
        }
        LocalDate date = null;
        List<String> wildcards = new ArrayList<>();
        for (int g = 0; g < groups.size(); g++) {
            String text = m.group(g + 1);
            switch (groups.get(g)) {
                case WILDCARD -> wildcards.add(text);
                case DS, DS_NODASH -> {
                    LocalDate d;
                    try {
                        d = LocalDate.parse(text, groups.get(g) == Group.DS
                                ? DateTimeFormatter.ISO_LOCAL_DATE : DateTimeFormatter.BASIC_ISO_DATE);
                    } catch (DateTimeParseException e) {
                        return Optional.empty();
                    }
                    if (date != null && !date.equals(d)) {
                        return Optional.empty();
                    }
                    date = d;
                }
                default -> throw new IllegalStateException();
            }
        }
        return Optional.of(new Match(key, Optional.ofNullable(date), wildcards));
    }

    /** True if {@code key} matches. */
    public boolean matches(String key) {
        return match(key).isPresent();
    }

    /** True if the pattern names a date ({@code ds} or {@code ds_nodash}). */
    public boolean hasDate() {
        return groups.contains(Group.DS) || groups.contains(Group.DS_NODASH);
    }

    /** The literal text before the first variable or wildcard, e.g. {@code raw/}: usable as an S3 / EventBridge prefix filter. */
    public String literalPrefix() {
        return literalPrefix;
    }

    /** The pattern as written. */
    public String pattern() {
        return pattern;
    }

    @Override
    public String toString() {
        return "S3KeyPattern[" + pattern + "]";
    }
}
