package io.swarmingress.proxy.testing;

import java.util.ArrayList;
import java.util.List;

import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.DefaultChannelId;

/**
 * An endpoint's side of an upstream connection, in memory. The forwarder opens upstream
 * connections with {@code Bootstrap.channel(transport.socketChannel())} on the client's event
 * loop; a test transport names this class there, so each connection the proxy opens is one of
 * these, registered on the client's {@code EmbeddedEventLoop} and so on the same fake clock.
 *
 * <p>It is made unregistered (Bootstrap registers it) and connects at once to whatever address it
 * is given: EmbeddedChannel's connect only completes its promise. Instances opened on a thread
 * are kept for the test on that thread to reach ({@link #opened()}); the forwarder only ever
 * opens them on its loop, which for an EmbeddedEventLoop is the test's thread.
 */
public final class EmbeddedUpstream extends EmbeddedPeer {
    private static final ThreadLocal<List<EmbeddedUpstream>> OPENED = ThreadLocal.withInitial(ArrayList::new);

    private ChannelConfig options;

    /** Called by the forwarder's Bootstrap, reflectively. */
    public EmbeddedUpstream() {
        super(builder().register(false).channelId(DefaultChannelId.newInstance()));
        OPENED.get().add(this);
    }

    /** The connections opened on this thread since the last call, oldest first. */
    static List<EmbeddedUpstream> opened() {
        List<EmbeddedUpstream> opened = new ArrayList<>(OPENED.get());
        OPENED.get().clear();
        return opened;
    }

    /** Takes the socket options the forwarder sets on upstream connections, so Bootstrap does not warn about them. */
    @Override
    public ChannelConfig config() {
        if (options == null) {
            options = new DefaultChannelConfig(this) {
                @Override
                public <T> boolean setOption(ChannelOption<T> option, T value) {
                    return option == ChannelOption.TCP_NODELAY || super.setOption(option, value);
                }
            };
        }
        return options;
    }
}
