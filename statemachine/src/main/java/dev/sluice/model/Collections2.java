package dev.sluice.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Deep, order-preserving immutable copies of JSON-like values (maps, lists, scalars; nulls allowed). */
final class Collections2 {
    private Collections2() {
    }

    static Map<String, Object> immutableMap(Map<String, ?> in) {
        LinkedHashMap<String, Object> out = new LinkedHashMap<>();
        in.forEach((k, v) -> out.put(k, freeze(v)));
        return Collections.unmodifiableMap(out);
    }

    static List<Object> immutableList(List<?> in) {
        ArrayList<Object> out = new ArrayList<>(in.size());
        for (Object v : in) {
            out.add(freeze(v));
        }
        return Collections.unmodifiableList(out);
    }

    @SuppressWarnings("unchecked")
    static Object freeze(Object v) {
        if (v instanceof Map<?, ?> m) {
            return immutableMap((Map<String, ?>) m);
        } else if (v instanceof List<?> l) {
            return immutableList(l);
        }
        return v;
    }
}
