package dev.sluice.spec;

import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** Why a file could not be read, in words: never a Java class name. */
final class ReadErrors {
    private ReadErrors() {
    }

    static String describe(Throwable e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        } else if (e instanceof AccessDeniedException) {
            return "permission denied";
        } else if (e instanceof NotDirectoryException) {
            return "a part of the path is not a folder";
        } else if (e instanceof CharacterCodingException) {
            return "not UTF-8 text";
        } else if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        } else if (e instanceof StackOverflowError) {
            return "the document nests too deeply";
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? "an unexpected error (run with --verbose for details)" : m;
    }
}
