package io.swarmingress.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.netty.util.AsciiString;
import io.swarmingress.config.HostPort;
import io.swarmingress.config.StickySessions;

/** The sticky cookie: what it says (nothing about addresses), and how it is read back. */
class StickyCookiesTest {
    private static List<Endpoint> endpoints(int n) {
        List<Endpoint> list = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            list.add(new Endpoint(new HostPort("10.0.1." + i, 8080)));
        }
        return list;
    }

    private static RequestHeaders cookie(String line) {
        return name -> name.contentEquals(AsciiString.of("cookie")) ? line : null;
    }

    private static String value(String setCookie) {
        return setCookie.substring(setCookie.indexOf('=') + 1, setCookie.indexOf(';'));
    }

    @Test
    void theValueIsAKeyedHashThatNamesNoAddressAndIsTheSameWhereverTheKeyIs() {
        StickySessions config = new StickySessions("sid", Duration.ofHours(1), true, true, StickySessions.SameSite.STRICT, "s3cret");
        List<Endpoint> eps = endpoints(3);
        StickyCookies cookies = new StickyCookies("shop", config, eps);
        String set = cookies.setCookie(eps.get(1));
        assertThat(set).matches("sid=[0-9a-f]{16}; Path=/; Max-Age=3600; Secure; HttpOnly; SameSite=Strict");
        assertThat(set).doesNotContain("10.0.1").doesNotContain("8080");
        // Another proxy (or this one after a restart) with the same secret reads it...
        StickyCookies elsewhere = new StickyCookies("shop", config, List.of(eps.get(2), eps.get(1)));
        assertThat(elsewhere.named(cookie("sid=" + value(set)))).isSameAs(eps.get(1));
        // ...one with another secret, or for another service, does not.
        StickySessions other = new StickySessions("sid", null, false, true, null, "other");
        assertThat(new StickyCookies("shop", other, eps).named(cookie("sid=" + value(set)))).isNull();
        assertThat(new StickyCookies("cart", config, eps).named(cookie("sid=" + value(set)))).isNull();
        assertThat(new StickyCookies("shop", other, eps).setCookie(eps.get(0)))
                .matches("sid=[0-9a-f]{16}; Path=/; HttpOnly; SameSite=Lax");
    }

    @Test
    void theCookieIsFoundAmongOthersAndAnythingElseNamesNothing() {
        List<Endpoint> eps = endpoints(2);
        StickyCookies cookies = new StickyCookies("shop", new StickySessions("ingress_shop", null, false, true, null, null), eps);
        String v = value(cookies.setCookie(eps.get(0)));
        assertThat(cookies.named(cookie("a=1; ingress_shop=" + v + "; b=2"))).isSameAs(eps.get(0));
        assertThat(cookies.named(cookie("ingress_shop=" + v))).isSameAs(eps.get(0));
        assertThat(cookies.named(cookie("xingress_shop=" + v))).as("another cookie's name ending the same").isNull();
        assertThat(cookies.named(cookie("ingress_shop=" + v + "0"))).as("a longer value").isNull();
        assertThat(cookies.named(cookie("ingress_shop=" + v.substring(1)))).as("a shorter value").isNull();
        assertThat(cookies.named(cookie("ingress_shop=zzzzzzzzzzzzzzzz"))).isNull();
        assertThat(cookies.named(cookie("ingress_shop=0000000000000000"))).isNull();
        assertThat(cookies.named(RequestHeaders.NONE)).isNull();
        assertThat(cookies.named(cookie(""))).isNull();
        assertThat(cookies.setCookie(new Endpoint(new HostPort("10.9.9.9", 1)))).as("not an endpoint of this table").isNull();
    }

    @Test
    void cookieValuesAreFoundByName() {
        String line = "a=1;  session=abc ; other=2";
        int start = StickyCookies.valueStart(line, "session");
        assertThat(line.substring(start, StickyCookies.valueEnd(line, start))).isEqualTo("abc");
        assertThat(StickyCookies.valueStart(line, "sess")).isEqualTo(-1);
        assertThat(StickyCookies.valueStart("flag; x=1", "x")).isEqualTo(8);
    }
}
