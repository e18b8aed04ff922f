package dev.sluice.functions.dags;

import java.util.List;

/** Where the deployed DAG files are: S3 on AWS ({@link S3DagSource}), a map in tests. */
public interface DagSource {
    /** A DAG file and a tag that changes whenever its content does (the S3 ETag). */
    record Entry(String name, String tag) {
    }

    /** The DAG files (.yaml, .yml, .json) there are now. */
    List<Entry> list();

    /** The text of one file. */
    String read(Entry entry);

    /** Where a file is, for error messages and the stored version record (s3://bucket/key). */
    String location(Entry entry);
}
