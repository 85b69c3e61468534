package io.swarmingress.proxy.admin;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The dashboard: one HTML file in the jar ({@code dashboard.html} beside this class), written by
 * hand, with its one style sheet and one script inline and nothing fetched from anywhere but the
 * admin listener's own JSON API. Its Content-Security-Policy allows exactly that: the inline
 * style and script by their SHA-256 (computed here, so the policy cannot drift from the file),
 * requests to this origin, and nothing else (no other script, frame, form or base URL).
 */
final class DashboardPage {
    static final String RESOURCE = "dashboard.html";

    private final byte[] html;
    private final String contentSecurityPolicy;

    private DashboardPage(byte[] html, String contentSecurityPolicy) {
        this.html = html;
        this.contentSecurityPolicy = contentSecurityPolicy;
    }

    static DashboardPage load() {
        byte[] bytes;
        try (InputStream in = DashboardPage.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the jar");
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + RESOURCE + ": " + e, e);
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        String csp = "default-src 'none'; script-src 'sha256-" + sha256(inner(text, "script")) + "'; style-src 'sha256-"
                + sha256(inner(text, "style")) + "'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; "
                + "form-action 'none'; frame-ancestors 'none'";
        return new DashboardPage(bytes, csp);
    }

    /** The text between {@code <tag>} and {@code </tag>}; the page has exactly one of each. */
    static String inner(String html, String tag) {
        String open = "<" + tag + ">";
        int start = html.indexOf(open);
        int end = html.indexOf("</" + tag + ">");
        if (start < 0 || end < start || html.indexOf(open, start + 1) >= 0) {
            throw new IllegalStateException(RESOURCE + ": expected exactly one <" + tag + "> element without attributes");
        }
        return html.substring(start + open.length(), end);
    }

    private static String sha256(String s) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    byte[] html() {
        return html.clone();
    }

    String contentSecurityPolicy() {
        return contentSecurityPolicy;
    }
}
