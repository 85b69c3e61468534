package io.swarmingress.proxy.http1;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Locale;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AsciiString;
import io.netty.util.NetUtil;
import io.swarmingress.config.EntrypointConfig;
import io.swarmingress.proxy.forward.RequestHead;
import io.swarmingress.proxy.server.ClientAddresses;
import io.swarmingress.proxy.wire.ForwardedFields;
import io.swarmingress.proxy.wire.RequestHeadWriter;
import io.swarmingress.proxy.wire.RequestParser;
import io.swarmingress.proxy.wire.RequestTarget;

/**
 * The request an HTTP/1 client just sent, as the forwarder sees it: routed on the canonical path
 * and the Host (or the absolute-form authority), written upstream from the bytes the parser kept.
 * One per connection, describing its current request: the parser reads no further head while an
 * exchange is in progress, so the bytes stay valid for as long as the exchange may write them.
 *
 * <p>Public because an HTTP/2 stream's head is checked by the same rules: the h2 front writes
 * its header block as an HTTP/1.1 head, reads it with a parser of its own and takes it from here.
 */
public final class ParsedRequest implements RequestHead {
    public static final String VIA_VALUE = "1.1 swarm-ingress";

    private final RequestParser parser;
    /** What this connection says about its client, the same for every request (a client certificate's subject joins once verified). */
    private ForwardedFields forwarded;
    private final boolean via;
    private String hostValue;
    private boolean hostReplaced;
    private String host;
    private String path;
    // a keep-alive client sends the same Host each time
    private String lastHostValue;
    private String lastHost;

    public ParsedRequest(RequestParser parser, ForwardedFields forwarded, boolean via) {
        this.parser = parser;
        this.forwarded = forwarded;
        this.via = via;
    }

    /**
     * What a connection's requests say about its client upstream, decided once: the peer is
     * trusted or not for the connection's life. With a PROXY header the client is the address it
     * named; the header's sender is trusted by configuration, the client it names is judged like
     * any peer. The scheme is https on an entrypoint that terminates TLS, or when a PROXY header
     * says its sender did.
     *
     * @param remote the socket's remote address, named when the connection has no IP client (tests)
     */
    public static ForwardedFields forwarded(ClientAddresses addresses, EntrypointConfig config, SocketAddress remote) {
        InetSocketAddress source = addresses.source();
        String client = source == null ? String.valueOf(remote) : NetUtil.toAddressString(source.getAddress());
        boolean trusted = source != null && config.trustedProxies().trusts(source.getAddress());
        int port = addresses.destination() == null ? -1 : addresses.destination().getPort();
        boolean https = addresses.tls() || config.terminatesTls();
        return new ForwardedFields(client, https ? "https" : "http", port, trusted);
    }

    /** The connection's TLS handshake verified a client certificate: its subject goes upstream with every request. */
    void verifiedSubject(String lowerCaseHeader, String subject) {
        forwarded = forwarded.withSubject(lowerCaseHeader, subject);
    }

    /** Why a head is answered by the proxy rather than forwarded. */
    public record Refusal(HttpResponseStatus status, String detail) {
    }

    /**
     * Takes the head the parser just read: what it is routed on (the Host, or an absolute-form
     * authority that replaces it; the canonical path), or why it cannot be forwarded at all.
     *
     * @return null when the request can be forwarded
     */
    public Refusal read() {
        if (parser.methodIs("CONNECT")) {
            return new Refusal(HttpResponseStatus.METHOD_NOT_ALLOWED, "CONNECT is not supported");
        }
        RequestTarget target = parser.target();
        String value = parser.host();
        String routed = target.path();
        boolean replaced = false;
        switch (target.form()) {
            case ABSOLUTE:
                // RFC 9112 section 3.2.2: the target's authority replaces Host, and the upstream gets origin form.
                value = target.authority();
                replaced = true;
                parser.dropHost();
                break;
            case ASTERISK:
                if (!parser.methodIs("OPTIONS")) {
                    return new Refusal(HttpResponseStatus.BAD_REQUEST, "the asterisk target is only for OPTIONS");
                }
                // A question to the server as a whole: routed as its root, forwarded as "*".
                routed = "/";
                break;
            case AUTHORITY:
                return new Refusal(HttpResponseStatus.BAD_REQUEST, "invalid request target");
            default:
                break;
        }
        // RFC 9112 section 3.2: an HTTP/1.1 request has one Host, whatever the form of its target.
        if (parser.host() == null && !parser.http10()) {
            return new Refusal(HttpResponseStatus.BAD_REQUEST, "a Host header is required");
        }
        hostValue = value;
        hostReplaced = replaced;
        path = routed;
        host = normalize(value);
        return null;
    }

    /** The target a redirect keeps: the canonical path and the query as sent ({@code /} for {@code OPTIONS *}). */
    String redirectTarget() {
        return path + parser.target().query();
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public boolean methodIs(String method) {
        return parser.methodIs(method);
    }

    @Override
    public boolean hasBody() {
        return parser.hasBody();
    }

    @Override
    public boolean webSocketUpgrade() {
        return parser.webSocketUpgrade();
    }

    @Override
    public String get(AsciiString lowerCaseName) {
        return parser.header(lowerCaseName);
    }

    @Override
    public int count(AsciiString lowerCaseName) {
        return parser.headerCount(lowerCaseName);
    }

    @Override
    public ByteBuf encode(ByteBufAllocator alloc, String upstreamPath, String hostIfMissing) {
        RequestTarget target = parser.target();
        String sent = target.form() == RequestTarget.Form.ASTERISK ? "*" : upstreamPath + target.query();
        String hostLine = hostReplaced ? hostValue : hostIfMissing;
        return RequestHeadWriter.write(parser, alloc, sent, hostLine, forwarded, hostValue, via ? VIA_VALUE : null);
    }

    /** The host routes match: lower case, without port or trailing dot. */
    private String normalize(String value) {
        if (value == null) {
            return null;
        }
        if (value.equals(lastHostValue)) {
            return lastHost;
        }
        String h = value;
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            h = close < 0 ? h : h.substring(1, close);
        } else {
            int colon = h.lastIndexOf(':');
            if (colon >= 0) {
                h = h.substring(0, colon);
            }
        }
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        h = h.toLowerCase(Locale.ROOT);
        lastHostValue = value;
        lastHost = h;
        return h;
    }
}
