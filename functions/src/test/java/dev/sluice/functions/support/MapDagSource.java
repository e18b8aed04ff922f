package dev.sluice.functions.support;

import dev.sluice.functions.dags.DagSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** DAG files held in memory; the tag is the text's hash, so a changed text is a new version. */
public final class MapDagSource implements DagSource {
    private final Map<String, String> files = new LinkedHashMap<>();

    public MapDagSource put(String name, String text) {
        files.put(name, text);
        return this;
    }

    @Override
    public synchronized List<Entry> list() {
        List<Entry> out = new ArrayList<>();
        files.forEach((k, v) -> out.add(new Entry(k, Integer.toHexString(v.hashCode()))));
        return out;
    }

    @Override
    public synchronized String read(Entry entry) {
        return files.get(entry.name());
    }

    @Override
    public String location(Entry entry) {
        return "mem://" + entry.name();
    }
}
