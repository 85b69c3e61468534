package io.swarmingress.proxy.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** The framing and routing fields read one way only: lengths, codings, host values and name spellings. */
class FieldRulesTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static long length(String v) {
        return FieldRules.contentLength(b(v), 0, v.length());
    }

    private static FieldRules.Coding coding(String v) {
        return FieldRules.transferCoding(b(v), 0, v.length());
    }

    private static String host(String v) {
        return Authority.check(b(v), 0, v.length());
    }

    @Test
    void contentLengthIsOneDecimalNumberOrTheSameOneRepeated() {
        assertThat(length("5")).isEqualTo(5);
        assertThat(length("005")).isEqualTo(5);
        assertThat(length("5, 5,5")).isEqualTo(5);
        assertThat(length("999999999999999999")).isEqualTo(999_999_999_999_999_999L);
        for (String bad : new String[] {"", " ", "+5", "-1", "0x5", "5.0", "5 5", "5,6", "5,", ",5", "1234567890123456789", "5;"}) {
            assertThat(length(bad)).as("'%s'", bad).isEqualTo(-1);
        }
    }

    @Test
    void transferEncodingIsChunkedAloneOrRefused() {
        assertThat(coding("chunked")).isEqualTo(FieldRules.Coding.CHUNKED);
        assertThat(coding("CHUNKED")).isEqualTo(FieldRules.Coding.CHUNKED);
        assertThat(coding("gzip, chunked")).isEqualTo(FieldRules.Coding.CHUNKED_AFTER_OTHERS);
        assertThat(coding("identity,chunked")).isEqualTo(FieldRules.Coding.CHUNKED_AFTER_OTHERS);
        assertThat(coding("gzip")).isEqualTo(FieldRules.Coding.NOT_CHUNKED);
        assertThat(coding("chunked, gzip")).isEqualTo(FieldRules.Coding.NOT_CHUNKED);
        assertThat(coding("xchunked")).isEqualTo(FieldRules.Coding.NOT_CHUNKED);
        for (String bad : new String[] {"chunked, chunked", ",chunked", "chunked,", "foo;p=\"x, chunked", "\"chunked\"", "chunked\u000b", ""}) {
            assertThat(coding(bad)).as("'%s'", bad).isEqualTo(FieldRules.Coding.MALFORMED);
        }
    }

    @Test
    void hostValuesThatAUrlParserWouldSplitDifferentlyAreRefused() {
        for (String good : new String[] {"", "example.com", "Example.COM:8080", "a-b_c~d.example", "10.0.0.1:1", "[::1]", "[::1]:443",
            "[2001:db8::1.2.3.4]", "xn--bcher-kva.example"}) {
            assertThat(host(good)).as("'%s'", good).isNull();
        }
        for (String bad : new String[] {"good.example:@evil.com", "a@evil.com#.wild.example", "user@host", "h:", "h:65536", "h:1:2",
            "h/x", "h?x", "h\\x", "h x", "[::1", "[]", "[::g]", "h:123456", "a%zz", "a%2Db", "caf\u00e9.example"}) {
            assertThat(host(bad)).as("'%s'", bad).isNotNull();
        }
    }

    @Test
    void underscoreSpellingsOfGuardedNamesAreAliasesAndOthersAreNot() {
        for (String alias : new String[] {"X_Forwarded_For", "X-Forwarded_Host", "x_forwarded_proto", "Content_Length", "TRANSFER_ENCODING", "host_"}) {
            boolean expected = !alias.equals("host_");
            assertThat(FieldRules.isUnderscoreAlias(b(alias), 0, alias.length())).as(alias).isEqualTo(expected);
        }
        assertThat(FieldRules.isUnderscoreAlias(b("X-Forwarded-For"), 0, 15)).as("the real name is no alias").isFalse();
        assertThat(FieldRules.isUnderscoreAlias(b("X_Custom_Header"), 0, 15)).isFalse();
        assertThat(FieldRules.isGuarded(b("Content-Length"), 0, 14)).isTrue();
        assertThat(FieldRules.isGuarded(b("X-Checksum"), 0, 10)).isFalse();
    }
}
