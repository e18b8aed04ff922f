package dev.sluice.engine;

import java.util.Objects;

/**
 * The completion that wrote a {@link TaskInstance.Tentative} mark: the task instance and try it reported on, and the
 * kind of report (the event's class name, e.g. {@code TaskSucceeded}). Two reports of the same try of different kinds
 * are different sources, so a redelivered completion recognises its own marks by equality and no other.
 *
 * <p>Stores persist a source as text through {@link #encode()} and {@link #decode(String)}:
 * {@code taskId#mapIndex#try#kind}, the format every stored mark already has.
 */
public record MarkSource(TaskKey task, int tryNumber, String eventKind) {
    private static final char SEP = '#';

    public MarkSource {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(eventKind, "eventKind");
        if (eventKind.isEmpty() || eventKind.indexOf(SEP) >= 0) {
            throw new IllegalArgumentException("mark source kind must be a non-empty name without '#', got '"
                    + eventKind + "'");
        }
    }

    /** The source of marks written by the decision of {@code event}: its instance, try and class name. */
    static MarkSource of(Event.TaskEvent event) {
        return new MarkSource(event.task(), event.tryNumber(), event.getClass().getSimpleName());
    }

    /** {@code taskId#mapIndex#try#kind}. */
    public String encode() {
        return task.taskId() + SEP + task.mapIndex() + SEP + tryNumber + SEP + eventKind;
    }

    /**
     * Reads {@link #encode()}'s text back, and only that: {@code decode(s).encode()} is {@code s}. The three trailing
     * fields are taken from the right, so a task id is read whole whatever it contains.
     *
     * @throws IllegalArgumentException when the text is not an encoded mark source
     */
    public static MarkSource decode(String text) {
        Objects.requireNonNull(text, "mark source");
        int k = text.lastIndexOf(SEP);
        int t = k <= 0 ? -1 : text.lastIndexOf(SEP, k - 1);
        int m = t <= 0 ? -1 : text.lastIndexOf(SEP, t - 1);
        if (m <= 0) {
            throw garbage(text, null);
        }
        MarkSource source;
        try {
            source = new MarkSource(new TaskKey(text.substring(0, m), Integer.parseInt(text.substring(m + 1, t))),
                    Integer.parseInt(text.substring(t + 1, k)), text.substring(k + 1));
        } catch (IllegalArgumentException bad) { // NumberFormatException included
            throw garbage(text, bad);
        }
        if (!source.encode().equals(text)) { // "+1", "01": numbers only as encode() writes them
            throw garbage(text, null);
        }
        return source;
    }

    private static IllegalArgumentException garbage(String text, Exception cause) {
        String shown = text.length() > 120 ? text.substring(0, 120) + "..." : text;
        return new IllegalArgumentException("not a tentative mark source (taskId#mapIndex#try#kind): '" + shown + "'",
                cause);
    }

    @Override
    public String toString() {
        return encode();
    }
}
