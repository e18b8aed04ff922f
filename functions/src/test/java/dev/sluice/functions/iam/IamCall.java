package dev.sluice.functions.iam;

/**
 * One permission a call needed: the IAM action and the resource ARN AWS authorizes it on, as made by
 * {@code function}'s identity. {@code denied} when the emulator refused it ({@code error} says why).
 */
record IamCall(String function, String operation, String action, String resource, boolean denied, String error) {
    @Override
    public String toString() {
        return function + " " + action + " on " + resource + " (" + operation + ")"
                + (denied ? " DENIED: " + error : "");
    }
}
