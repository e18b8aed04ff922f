package dev.sluice.model;

/** Where something was written: file, 1-based line and column. Line 0 means "unknown". */
public record Location(String file, int line, int column) {
    public static final Location UNKNOWN = new Location(null, 0, 0);

    public static Location of(String file) {
        return new Location(file, 0, 0);
    }

    @Override
    public String toString() {
        String f = file == null ? "<dag>" : file;
        return line > 0 ? f + ":" + line + ":" + column : f;
    }
}
