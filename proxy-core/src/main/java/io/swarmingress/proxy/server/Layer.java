package io.swarmingress.proxy.server;

import java.util.ArrayList;
import java.util.List;

import io.netty.channel.Channel;
import io.swarmingress.config.IngressConfig;

/**
 * What an entrypoint's config may put ahead of its protocol front (TLS termination; the PROXY
 * protocol header comes before it on the wire). The listener adds a layer's handlers without
 * knowing what they do, so a front sees plaintext bytes whatever the client sent on the wire.
 *
 * <p>A layer may need files (certificates), read off the event loops when a config is applied:
 * {@link #prepare} does that work, and the listener makes the result live with
 * {@link Staged#commit} only once every entrypoint of the config is bound, or drops it with
 * {@link Staged#abandon} when the config is refused.
 */
public interface Layer extends AutoCloseable {
    /**
     * Readies the layer for a config about to go live, on the caller's thread (never an event loop).
     *
     * @throws io.swarmingress.config.ConfigException when the config cannot be served (a certificate
     *         file that cannot be read, say); the config in force stays
     */
    Staged prepare(IngressConfig config);

    /** Adds the layer's handlers to a connection just accepted, ahead of the front's; nothing when the entrypoint does not ask for it. */
    void initChannel(Channel ch, EntrypointContext entrypoint);

    @Override
    void close();

    /**
     * Prepares every layer for a config, as one: when a layer refuses it, those already prepared
     * are abandoned and the refusal is thrown.
     */
    static Staged prepareAll(List<Layer> layers, IngressConfig config) {
        List<Staged> staged = new ArrayList<>();
        try {
            for (Layer layer : layers) {
                staged.add(layer.prepare(config));
            }
        } catch (RuntimeException e) {
            staged.forEach(Staged::abandon);
            throw e;
        }
        return new Staged() {
            @Override
            public void commit() {
                staged.forEach(Staged::commit);
            }

            @Override
            public void abandon() {
                staged.forEach(Staged::abandon);
            }
        };
    }

    /** A prepared config: made live, or dropped. */
    interface Staged {
        Staged NOTHING = new Staged() {
            @Override
            public void commit() {
            }

            @Override
            public void abandon() {
            }
        };

        void commit();

        void abandon();
    }
}
