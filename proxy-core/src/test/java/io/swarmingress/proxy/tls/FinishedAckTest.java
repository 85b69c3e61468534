package io.swarmingress.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.SSLHandshakeException;

import org.junit.jupiter.api.Test;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;

/** The ACK of the client's Finished goes out when the handshake succeeds, once, and the handler leaves. */
class FinishedAckTest {
    private final List<Channel> acked = new ArrayList<>();
    private final List<Object> passedOn = new ArrayList<>();

    private EmbeddedChannel channel() {
        return new EmbeddedChannel(new FinishedAck(acked::add), new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                passedOn.add(evt);
            }
        });
    }

    @Test
    void aSucceededHandshakeIsAcknowledgedAtOnceAndTheHandlerLeaves() {
        EmbeddedChannel ch = channel();
        ch.pipeline().fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
        assertThat(acked).containsExactly(ch);
        assertThat(ch.pipeline().get(FinishedAck.class)).isNull();
        assertThat(passedOn).containsExactly(SslHandshakeCompletionEvent.SUCCESS);
        ch.finishAndReleaseAll();
    }

    @Test
    void aFailedHandshakeIsNotAcknowledgedButTheHandlerLeaves() {
        EmbeddedChannel ch = channel();
        SslHandshakeCompletionEvent failed = new SslHandshakeCompletionEvent(new SSLHandshakeException("bad"));
        ch.pipeline().fireUserEventTriggered(failed);
        assertThat(acked).isEmpty();
        assertThat(ch.pipeline().get(FinishedAck.class)).isNull();
        assertThat(passedOn).containsExactly(failed);
        ch.finishAndReleaseAll();
    }

    @Test
    void otherEventsPassWhileItWaits() {
        EmbeddedChannel ch = channel();
        ch.pipeline().fireUserEventTriggered("something else");
        assertThat(acked).isEmpty();
        assertThat(ch.pipeline().get(FinishedAck.class)).isNotNull();
        assertThat(passedOn).containsExactly("something else");
        ch.finishAndReleaseAll();
    }

    @Test
    void theQuickAckLeavesAChannelThatIsNotEpollAlone() {
        EmbeddedChannel ch = new EmbeddedChannel();
        FinishedAck.QUICK_ACK.accept(ch);
        assertThat(ch.isOpen()).isTrue();
        ch.finishAndReleaseAll();
    }
}
