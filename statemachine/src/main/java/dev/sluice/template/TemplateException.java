package dev.sluice.template;

/**
 * A template could not be rendered: a syntax error, an undefined variable, or a value placed where it cannot be
 * quoted safely. The message names the template and the cause, e.g.
 * {@code cannot render template 'echo {{ dss }}': line 1: unknown variable 'dss'}.
 */
public class TemplateException extends RuntimeException {
    public TemplateException(String message) {
        super(message);
    }

    public TemplateException(String message, Throwable cause) {
        super(message, cause);
    }
}
