package dev.sluice.functions.effect;

import java.nio.charset.StandardCharsets;

/**
 * The CloudWatch console link that opens Logs Insights on one function's log group with a query for one try's
 * lines (the fields {@link dev.sluice.functions.obs.JsonLog} writes: {@code runId}, {@code taskId},
 * {@code tryNumber}), over the last week. The console reads its query from the URL fragment in its own escaping:
 * values percent-encoded with {@code *} for {@code %}, and the fragment's {@code ?} and {@code =} as {@code $3F} and
 * {@code $3D}.
 */
public final class LogsInsightsLink {
    private LogsInsightsLink() {
    }

    /** The log group of a stack's function: template.yaml names it {@code /sluice/STACK/LOGICAL_ID}. */
    public static String logGroup(String stackName, String logicalId) {
        return "/sluice/" + stackName + "/" + logicalId;
    }

    /** The Logs Insights query of one try ({@code tryNumber} 0: every try of the task; null task: the run). */
    public static String query(String runId, String taskId, int mapIndex, int tryNumber) {
        StringBuilder q = new StringBuilder("fields @timestamp, event, taskId, mapIndex, tryNumber, state, error, line")
                .append(" | filter runId = ").append(quoted(runId));
        if (taskId != null) {
            q.append(" and taskId = ").append(quoted(taskId));
            if (mapIndex >= 0) {
                q.append(" and mapIndex = ").append(mapIndex);
            }
            if (tryNumber > 0) {
                q.append(" and tryNumber = ").append(tryNumber);
            }
        }
        return q.append(" | sort @timestamp asc").toString();
    }

    public static String link(String region, String logGroup, String query) {
        String detail = "~(end~0~start~-604800~timeType~'RELATIVE~unit~'seconds~editorString~'" + escape(query)
                + "~source~(~'" + escape(logGroup) + "))";
        return "https://" + region + ".console.aws.amazon.com/cloudwatch/home?region=" + region
                + "#logsV2:logs-insights$3FqueryDetail$3D" + detail;
    }

    private static String quoted(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** Letters and digits as they are, every other byte of the UTF-8 as {@code *XX}. */
    static String escape(String s) {
        StringBuilder b = new StringBuilder();
        for (byte c : s.getBytes(StandardCharsets.UTF_8)) {
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
                    || c == '.') {
                b.append((char) c);
            } else {
                b.append('*').append(String.format("%02X", c & 0xff));
            }
        }
        return b.toString();
    }
}
