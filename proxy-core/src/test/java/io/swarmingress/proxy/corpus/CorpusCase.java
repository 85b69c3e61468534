package io.swarmingress.proxy.corpus;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One case of a corpus file under {@code http-corpus/}. The files are text so that a reviewer can
 * read every case, its expectation and why it is there without reading Java:
 *
 * <pre>
 * === case-name
 * # comment lines: the RFC rule or finding the case covers
 * key: value
 * send: raw bytes with escapes\r\n
 * send*3: repeated three times\r\n
 * </pre>
 *
 * Values keep everything after {@code "key: "}. In byte values, {@code \r \n \t \\ \xNN} are
 * escapes and {@code \s} is a space; a value may not end in a literal space or tab (editors strip
 * those), so trailing whitespace is always written as an escape. Repeated keys are kept in order;
 * byte values of one key are concatenated.
 */
record CorpusCase(String name, String source, List<String> comments, List<Field> fields) {

    record Field(String key, int repeat, String value, int line) {
    }

    CorpusCase {
        comments = List.copyOf(comments);
        fields = List.copyOf(fields);
    }

    /** Reads every case of a class-path resource, checking names are unique and keys are known. */
    static List<CorpusCase> load(String resource, Set<String> knownKeys) {
        InputStream stream = CorpusCase.class.getClassLoader().getResourceAsStream(resource);
        if (stream == null) {
            throw new IllegalStateException("no class-path resource " + resource);
        }
        List<CorpusCase> cases = new ArrayList<>();
        Set<String> names = new HashSet<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            String name = null;
            int nameLine = 0;
            List<String> comments = new ArrayList<>();
            List<Field> fields = new ArrayList<>();
            String line;
            int n = 0;
            while ((line = reader.readLine()) != null) {
                n++;
                if (line.startsWith("=== ")) {
                    if (name != null) {
                        cases.add(new CorpusCase(name, resource + ":" + nameLine, comments, fields));
                    }
                    name = line.substring(4).trim();
                    nameLine = n;
                    if (name.isEmpty() || !names.add(name)) {
                        throw new IllegalStateException(resource + ":" + n + ": empty or repeated case name '" + name + "'");
                    }
                    comments = new ArrayList<>();
                    fields = new ArrayList<>();
                } else if (line.isBlank()) {
                    continue;
                } else if (line.startsWith("#")) {
                    if (name != null) {
                        comments.add(line.substring(1).trim());
                    }
                } else if (name == null) {
                    throw new IllegalStateException(resource + ":" + n + ": a field before the first '=== name' line");
                } else {
                    fields.add(field(resource, n, line, knownKeys));
                }
            }
            if (name != null) {
                cases.add(new CorpusCase(name, resource + ":" + nameLine, comments, fields));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return cases;
    }

    /**
     * The cases named in the system property {@code corpus.cases} (comma-separated), or all of them:
     * {@code mvn ... -Dtest=EdgeCorpusRequestTest -Dcorpus.cases=te-two-lines,host-slash} runs two
     * (name the test class too: a corpus with none of the names has no case to run).
     */
    static List<CorpusCase> selected(List<CorpusCase> cases) {
        String only = System.getProperty("corpus.cases", "").trim();
        if (only.isEmpty()) {
            return cases;
        }
        Set<String> names = Set.of(only.split("\\s*,\\s*"));
        return cases.stream().filter(c -> names.contains(c.name())).toList();
    }

    private static Field field(String resource, int n, String line, Set<String> knownKeys) {
        int colon = line.indexOf(": ");
        if (line.endsWith(":")) {
            colon = line.length() - 1;
        }
        if (colon <= 0) {
            throw new IllegalStateException(resource + ":" + n + ": expected 'key: value', got '" + line + "'");
        }
        String key = line.substring(0, colon);
        String value = colon + 2 <= line.length() ? line.substring(colon + 2) : "";
        int repeat = 1;
        int star = key.indexOf('*');
        if (star > 0) {
            repeat = Integer.parseInt(key.substring(star + 1));
            key = key.substring(0, star);
        }
        if (!knownKeys.contains(key)) {
            throw new IllegalStateException(resource + ":" + n + ": unknown key '" + key + "' (expected one of " + knownKeys + ")");
        }
        if (value.endsWith(" ") || value.endsWith("\t")) {
            throw new IllegalStateException(resource + ":" + n + ": trailing whitespace; write it as \\s or \\t");
        }
        return new Field(key, repeat, value, n);
    }

    /** The single value of a key, or {@code fallback} when the case has none. */
    String value(String key, String fallback) {
        String found = null;
        for (Field f : fields) {
            if (f.key().equals(key)) {
                if (found != null) {
                    throw new IllegalStateException(source + ": '" + key + "' given twice");
                }
                found = f.value();
            }
        }
        return found == null ? fallback : found;
    }

    String value(String key) {
        String v = value(key, null);
        if (v == null) {
            throw new IllegalStateException(source + ": case '" + name + "' has no '" + key + "'");
        }
        return v;
    }

    /** Every value of a key, in order, escapes decoded. */
    List<String> decodedValues(String key) {
        List<String> out = new ArrayList<>();
        for (Field f : fields) {
            if (f.key().equals(key)) {
                for (int i = 0; i < f.repeat(); i++) {
                    out.add(decode(f.value()));
                }
            }
        }
        return out;
    }

    /** The values of a key concatenated, escapes decoded, as ISO-8859-1 text (one char per byte). */
    String text(String key) {
        return String.join("", decodedValues(key));
    }

    static byte[] bytes(String latin1) {
        return latin1.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Decodes the escapes into one char per byte. */
    static String decode(String escaped) {
        StringBuilder out = new StringBuilder(escaped.length());
        for (int i = 0; i < escaped.length(); i++) {
            char c = escaped.charAt(i);
            if (c > 0xff) {
                throw new IllegalArgumentException("non-Latin-1 character in '" + escaped + "'; write bytes as \\xNN");
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (++i == escaped.length()) {
                throw new IllegalArgumentException("a lone backslash ends '" + escaped + "'");
            }
            char e = escaped.charAt(i);
            switch (e) {
                case 'r' -> out.append('\r');
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 's' -> out.append(' ');
                case '\\' -> out.append('\\');
                case 'x' -> {
                    out.append((char) Integer.parseInt(escaped.substring(i + 1, i + 3), 16));
                    i += 2;
                }
                default -> throw new IllegalArgumentException("unknown escape \\" + e + " in '" + escaped + "'");
            }
        }
        return out.toString();
    }

    /** Makes bytes printable for a failure message: the inverse of {@link #decode}, CRLF kept readable. */
    static String escape(byte[] bytes) {
        StringBuilder out = new StringBuilder(bytes.length + 16);
        for (byte b : bytes) {
            int c = b & 0xff;
            switch (c) {
                case '\r' -> out.append("\\r");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20 || c >= 0x7f) {
                        out.append(String.format("\\x%02x", c));
                    } else {
                        out.append((char) c);
                    }
                }
            }
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return name;
    }
}
