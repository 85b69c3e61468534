package io.swarmingress.config;

import java.util.Locale;

/**
 * What {@code lb: hash} hashes: the client's address, the request path, a header or a cookie.
 * Requests with the same key go to the same endpoint for as long as it is in the service and
 * available; when an endpoint leaves, only its own keys move.
 *
 * @param name the header (lower case) or cookie name; null for the client address and the path
 */
public record HashOn(Source source, String name) {
    /** Where the key comes from. */
    public enum Source {
        /** The client's address (from the PROXY header when the entrypoint takes one); the only key of a tcp entrypoint. */
        CLIENT_ADDRESS,
        /** The canonical request path, without the query. */
        PATH,
        /** The first value of a request header. */
        HEADER,
        /** The value of a request cookie. */
        COOKIE
    }

    public static final HashOn CLIENT_ADDRESS = new HashOn(Source.CLIENT_ADDRESS, null);

    public HashOn {
        if (source == null) {
            throw new InvalidFieldException("hash_on", "is required");
        }
        boolean named = source == Source.HEADER || source == Source.COOKIE;
        if (named) {
            if (name == null || name.isEmpty() || !Cookies.isToken(name)) {
                throw new InvalidFieldException("hash_on", "'" + name + "' is not a valid " + source.name().toLowerCase(Locale.ROOT)
                        + " name (expected: letters, digits and !#$%&'*+-.^_`|~)");
            }
            if (source == Source.HEADER) {
                name = name.toLowerCase(Locale.ROOT);
            }
        } else if (name != null) {
            throw new InvalidFieldException("hash_on", source.name().toLowerCase(Locale.ROOT) + " takes no name");
        }
    }

    /** Reads {@code client_address}, {@code path}, {@code header:NAME} or {@code cookie:NAME}. */
    public static HashOn parse(String text) {
        String s = text == null ? "" : text.trim();
        if (s.equals("client_address")) {
            return CLIENT_ADDRESS;
        }
        if (s.equals("path")) {
            return new HashOn(Source.PATH, null);
        }
        if (s.startsWith("header:")) {
            return new HashOn(Source.HEADER, s.substring("header:".length()).trim());
        }
        if (s.startsWith("cookie:")) {
            return new HashOn(Source.COOKIE, s.substring("cookie:".length()).trim());
        }
        throw new InvalidFieldException("hash_on", "'" + text + "' (expected: client_address, path, header:NAME or cookie:NAME)");
    }

    /** The config spelling, the inverse of {@link #parse}. */
    public String configName() {
        switch (source) {
            case HEADER:
                return "header:" + name;
            case COOKIE:
                return "cookie:" + name;
            default:
                return source.name().toLowerCase(Locale.ROOT);
        }
    }
}
