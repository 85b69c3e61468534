package io.swarmingress.proxy.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/**
 * Request targets as routes see them: one canonical path for every spelling a backend could read
 * as the same path, and a refusal for every spelling two readers could take for different paths.
 */
class RequestTargetTest {
    private final RequestTarget target = new RequestTarget();

    private String path(String raw) {
        byte[] b = ("XX" + raw + "YY").getBytes(StandardCharsets.US_ASCII);
        assertThat(target.parse(b, 2, b.length - 2)).as("%s: %s", raw, target.error()).isTrue();
        return target.path();
    }

    private String refused(String raw) {
        byte[] b = raw.getBytes(StandardCharsets.US_ASCII);
        assertThat(target.parse(b, 0, b.length)).as(raw).isFalse();
        return target.error();
    }

    @Test
    void plainPathsAreTakenAsTheyAre() {
        assertThat(path("/")).isEqualTo("/");
        assertThat(path("/static/app.js")).isEqualTo("/static/app.js");
        assertThat(path("/a/b/")).isEqualTo("/a/b/");
        assertThat(path("/a.b/.c/..d/...")).as("dots inside names are names").isEqualTo("/a.b/.c/..d/...");
        assertThat(path("/a?x=/../b")).isEqualTo("/a");
        assertThat(target.query()).as("the query is left as sent").isEqualTo("?x=/../b");
    }

    @Test
    void dotSegmentsAndEmptySegmentsAreRemovedBeforeRouting() {
        assertThat(path("/static/../admin")).isEqualTo("/admin");
        assertThat(path("/static/%2e%2e/admin/secret.txt")).isEqualTo("/admin/secret.txt");
        assertThat(path("/static/%2E./admin")).isEqualTo("/admin");
        assertThat(path("/a/./b")).isEqualTo("/a/b");
        assertThat(path("/a/b/.")).isEqualTo("/a/b/");
        assertThat(path("/a/b/..")).isEqualTo("/a/");
        assertThat(path("//admin")).isEqualTo("/admin");
        assertThat(path("/a//b///c")).isEqualTo("/a/b/c");
        assertThat(path("/a/..")).isEqualTo("/");
    }

    @Test
    void unreservedEscapesAreDecodedAndOthersGetUpperCaseHex() {
        assertThat(path("/%41%7e%2D")).isEqualTo("/A~-");
        assertThat(path("/a%20b%3f")).isEqualTo("/a%20b%3F");
        assertThat(path("/caf%c3%a9")).isEqualTo("/caf%C3%A9");
    }

    @Test
    void spellingsTwoReadersCouldSplitDifferentlyAreRefused() {
        assertThat(refused("/static%2f..%2fadmin")).contains("separator");
        assertThat(refused("/static%2F..")).contains("separator");
        assertThat(refused("/static\\..\\admin")).contains("backslash");
        assertThat(refused("/a%5cb")).contains("separator");
        assertThat(refused("/a%00b")).contains("NUL");
        assertThat(refused("/a%zz")).contains("percent");
        assertThat(refused("/a%4")).contains("percent");
        assertThat(refused("/..")).contains("root");
        assertThat(refused("/api/../../etc")).contains("root");
        assertThat(refused("/a#frag")).contains("fragment");
    }

    @Test
    void absoluteFormGivesItsAuthorityAndAnOriginFormPath() {
        assertThat(path("http://Example.com:8080/x/../y?q")).isEqualTo("/y");
        assertThat(target.form()).isEqualTo(RequestTarget.Form.ABSOLUTE);
        assertThat(target.authority()).isEqualTo("Example.com:8080");
        assertThat(target.query()).isEqualTo("?q");
        assertThat(path("HTTPS://h")).isEqualTo("/");
        assertThat(refused("http://user@good.example/")).contains("authority");
        assertThat(refused("http://good.example:@evil.com/")).contains("authority");
        assertThat(refused("http:///x")).contains("authority");
    }

    @Test
    void otherFormsAreNamed() {
        assertThat(path("*")).isEqualTo("*");
        assertThat(target.form()).isEqualTo(RequestTarget.Form.ASTERISK);
        assertThat(path("example.com:443")).isNull();
        assertThat(target.form()).isEqualTo(RequestTarget.Form.AUTHORITY);
    }

    @Test
    void theSamePathAgainComesFromTheCacheAndAFreshOneIsNotConfusedWithIt() {
        assertThat(path("/a/../b")).isEqualTo("/b");
        assertThat(path("/a/../b")).isEqualTo("/b");
        assertThat(path("/a/../c")).isEqualTo("/c");
        assertThat(path("/a/..")).isEqualTo("/");
    }
}
