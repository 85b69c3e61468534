package io.swarmingress.proxy.admin;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.swarmingress.config.Location;

/** The JSON of the admin API: small helpers so that every document has the same conventions. */
final class Json {
    /** Bumped on a change that breaks readers (a field removed or changed in meaning); new fields do not bump it. */
    static final int API_VERSION = 1;
    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper COMPACT = new ObjectMapper();

    private Json() {
    }

    /** A new document that starts with {@code "api_version": 1}. */
    static Map<String, Object> versioned() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("api_version", API_VERSION);
        return m;
    }

    /** Where a record came from: {@code {"kind": "file", "file": ..., "line": ...}}, or the origin's words. */
    static Map<String, Object> origin(Location l) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (l.line() > 0) {
            m.put("kind", "file");
            m.put("file", l.file());
            m.put("line", l.line());
        } else if (l.equals(Location.NONE)) {
            m.put("kind", "code");
        } else {
            m.put("kind", "other");
            m.put("text", l.file());
        }
        return m;
    }

    /** A number for JSON: null for NaN and infinities (which JSON cannot carry), else rounded to 4 decimals. */
    static Double number(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            return null;
        }
        return Math.round(d * 10_000) / 10_000.0;
    }

    static String pretty(Object value) throws JsonProcessingException {
        return PRETTY.writeValueAsString(value) + "\n";
    }

    static String compact(Object value) throws JsonProcessingException {
        return COMPACT.writeValueAsString(value);
    }
}
