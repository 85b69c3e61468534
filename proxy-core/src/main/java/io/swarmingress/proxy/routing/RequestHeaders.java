package io.swarmingress.proxy.routing;

import io.netty.util.AsciiString;

/**
 * The request's headers as routes see them: a lookup by lower-case name. An interface rather
 * than Netty's header map because the proxy reads request heads in place and never builds one.
 */
@FunctionalInterface
public interface RequestHeaders {
    /** No headers at all. */
    RequestHeaders NONE = name -> null;

    /** @return the value of the first header with this name, or null */
    String get(AsciiString lowerCaseName);

    /** How many times a header with this name appears. */
    default int count(AsciiString lowerCaseName) {
        return get(lowerCaseName) == null ? 0 : 1;
    }
}
