package dev.sluice.cli;

import dev.sluice.store.ConcurrentUpdateException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.ReadOnlyFileSystemException;

/**
 * One sentence for any exception that reaches the user, never a Java class name. The stack trace (with the class)
 * is for {@code --verbose}.
 */
final class UserMessages {
    private UserMessages() {
    }

    static String describe(Throwable e) {
        Throwable cause = e.getCause();
        if (cause != null && (blank(e.getMessage()) || e.getMessage().equals(cause.toString())
                || e instanceof UncheckedIOException)) {
            return describe(cause); // a wrapper that adds nothing: its message is the cause's class and message
        }
        String m = e.getMessage();
        String first = blank(m) ? null : m.lines().findFirst().orElse(m);
        if (e instanceof NoSuchFileException) {
            return first + ": no such file or directory";
        } else if (e instanceof AccessDeniedException || e instanceof ReadOnlyFileSystemException) {
            return (first == null ? "a file" : first) + ": permission denied";
        } else if (e instanceof FileAlreadyExistsException || e instanceof NotDirectoryException) {
            return first + ": not a folder";
        } else if (e instanceof ConcurrentUpdateException) {
            return "another sluice process changed the same data at the same time"
                    + (first == null ? "" : " (" + first + ")") + "; run the command again";
        } else if (e instanceof OutOfMemoryError) {
            return "sluice ran out of memory; give it more with JAVA_OPTS=-Xmx1g";
        } else if (e instanceof StackOverflowError) {
            return "the input nests too deeply to process";
        }
        if (first != null) {
            return first;
        }
        return "an internal error with no message; run again with --verbose to see where it happened";
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
