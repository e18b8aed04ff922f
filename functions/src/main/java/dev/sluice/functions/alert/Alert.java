package dev.sluice.functions.alert;

import java.util.Objects;

/**
 * One message to the on-call engineer.
 *
 * @param kind    {@code run_failed}, {@code sla_missed}, {@code task_failed} or {@code task_retrying}; also an SNS
 *                message attribute ({@code alert}), so subscriptions can filter on it
 * @param taskId  the task, or null for a run alert
 * @param subject one line, at most {@link #MAX_SUBJECT} printable ASCII characters (SNS's rule for subjects)
 * @param body    plain text
 */
public record Alert(String kind, String dagId, String runId, String taskId, String state, String subject,
                    String body) {
    public static final int MAX_SUBJECT = 100;

    public Alert {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(dagId, "dagId");
        subject = subject(subject);
        Objects.requireNonNull(body, "body");
    }

    private static String subject(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : Objects.requireNonNull(s, "subject").toCharArray()) {
            b.append(c >= 0x20 && c < 0x7f ? c : c == '\n' || c == '\t' ? ' ' : '?');
        }
        String t = b.toString().strip();
        return t.length() <= MAX_SUBJECT ? t : t.substring(0, MAX_SUBJECT - 3) + "...";
    }
}
