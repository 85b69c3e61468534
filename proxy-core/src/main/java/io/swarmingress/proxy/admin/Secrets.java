package io.swarmingress.proxy.admin;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What the admin listener never shows. Swarm labels and route header matchers are written by
 * whoever deploys a service, and people put credentials in them ({@code db.password=...},
 * {@code authorization: Bearer ...}); a read-only page is still a page someone can open. Values
 * whose name looks like a credential are replaced by {@link #MASK}; the name stays, so one can
 * see that it is set. TLS keys and Docker TLS material are never read into the admin at all.
 */
final class Secrets {
    static final String MASK = "********";
    /** Substrings of a name that mark its value as a credential (matched case-insensitively). */
    private static final Pattern SECRET_NAME = Pattern.compile(
            "pass|pwd|secret|token|credential|auth|cookie|private|api[-_.]?key|access[-_.]?key|signature|session");

    private Secrets() {
    }

    static boolean looksSecret(String name) {
        return name != null && SECRET_NAME.matcher(name.toLowerCase(Locale.ROOT)).find();
    }

    /** A copy with the values of credential-like names masked, in the same order. */
    static Map<String, String> masked(Map<String, String> values) {
        Map<String, String> out = new LinkedHashMap<>();
        values.forEach((name, value) -> out.put(name, looksSecret(name) ? MASK : value));
        return out;
    }

    /** A Docker endpoint without a {@code user:password@} part, should one have been written into it. */
    static String withoutUserInfo(String endpoint) {
        int scheme = endpoint.indexOf("://");
        int at = endpoint.indexOf('@', scheme < 0 ? 0 : scheme + 3);
        int slash = endpoint.indexOf('/', scheme < 0 ? 0 : scheme + 3);
        if (scheme < 0 || at < 0 || (slash >= 0 && slash < at)) {
            return endpoint;
        }
        return endpoint.substring(0, scheme + 3) + MASK + endpoint.substring(at);
    }
}
