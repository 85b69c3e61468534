package io.swarmingress.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** The page is self-contained and its Content-Security-Policy allows exactly its own inline script and style. */
class DashboardPageTest {
    private final DashboardPage page = DashboardPage.load();
    private final String html = new String(page.html(), StandardCharsets.UTF_8);

    @Test
    void thePolicyNamesTheInlineScriptAndStyleByTheirHash() throws Exception {
        String csp = page.contentSecurityPolicy();
        assertThat(csp).startsWith("default-src 'none';")
                .contains("script-src 'sha256-" + sha256(DashboardPage.inner(html, "script")) + "'")
                .contains("style-src 'sha256-" + sha256(DashboardPage.inner(html, "style")) + "'")
                .contains("connect-src 'self'", "frame-ancestors 'none'", "form-action 'none'", "base-uri 'none'")
                .doesNotContain("unsafe-inline", "unsafe-eval", "http:", "https:", "*");
    }

    @Test
    void nothingIsFetchedFromElsewhere() {
        // Only same-origin relative API paths and data: URLs; no external script, style, font or image.
        String withoutSvgNamespace = html.replace("\"http://www.w3.org/2000/svg\"; // a namespace name, never fetched", "");
        assertThat(withoutSvgNamespace).doesNotContain("http://", "https://", "//cdn", "@import", "url(");
        Matcher refs = Pattern.compile("(src|href)\\s*=\\s*\"([^\"]*)\"").matcher(html);
        while (refs.find()) {
            assertThat(refs.group(2)).as(refs.group()).startsWith("data:");
        }
        Matcher fetches = Pattern.compile("get\\(\"([^\"]*)\"").matcher(html);
        int n = 0;
        while (fetches.find()) {
            assertThat(fetches.group(1)).startsWith("api/v1/");
            n++;
        }
        assertThat(n).as("the five API documents").isEqualTo(5);
        assertThat(html).as("data is put in the DOM as text, never parsed as HTML").doesNotContain("innerHTML", "outerHTML",
                "insertAdjacentHTML", "document.write", "eval(");
    }

    private static String sha256(String s) throws Exception {
        return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
