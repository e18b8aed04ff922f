package dev.sluice.functions.alert;

/** Where alerts go: the stack's SNS topic ({@link SnsAlertSink}). */
@FunctionalInterface
public interface AlertSink {
    /** @throws RuntimeException when the alert was not accepted; the caller logs it and goes on */
    void publish(Alert alert);
}
