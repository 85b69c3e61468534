package io.swarmingress.proxy.http;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * The answers the proxy gives on its own: short, plain text, and saying which side failed, so a
 * person reading curl output can tell a missing route from a dead backend.
 */
final class LocalResponses {
    private LocalResponses() {
    }

    static FullHttpResponse create(ByteBufAllocator alloc, HttpResponseStatus status, String detail, boolean close) {
        byte[] body = (status.code() + " " + status.reasonPhrase() + ": " + detail + "\n").getBytes(StandardCharsets.UTF_8);
        ByteBuf content = alloc.buffer(body.length).writeBytes(body);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN + "; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        if (close) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
    }
}
