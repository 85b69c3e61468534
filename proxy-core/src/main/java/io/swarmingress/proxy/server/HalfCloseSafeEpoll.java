package io.swarmingress.proxy.server;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.util.concurrent.ThreadAwareExecutor;

/**
 * Netty's epoll handler, except that a socket it has added to the epoll set is never taken out of
 * it while open, so that half-closed sockets (byte relays, TLS passthrough, WebSocket tunnels)
 * keep working.
 *
 * <p>Why: in Netty 4.2.18 a registration is Pending until its first non-empty interest set, then
 * Added. {@code DefaultEpollIoRegistration.submit} removes the socket from the epoll set
 * ({@code epoll_ctl(DEL)}) when the interest set becomes empty, but leaves its state at Added, so
 * the next non-empty submit is an {@code epoll_ctl(MOD)} on a descriptor epoll no longer has and
 * fails with {@code ENOENT} ("epoll_ctl(..) failed: No such file or directory"). A stream channel
 * starts with EPOLLRDHUP, which it drops only after the peer's FIN ({@code epollRdHupReady ->
 * clearEpollRdHup}); with ALLOW_HALF_CLOSURE its {@code shutdownInput} drops EPOLLIN too
 * ({@code clearEpollIn0} when no read is pending, or the level-triggered EPOLLIN that follows on the
 * shut input, {@code epollInReady -> shouldBreakEpollInReady -> clearEpollIn0}). So once a
 * half-closed socket has nothing waiting to be written its interest set is empty, and the next
 * write that has to wait for EPOLLOUT ({@code setFlag(EPOLLOUT)}) fails, the channel closes and the
 * relay's stream is cut short. Sockets that are not half-closed always keep EPOLLRDHUP, so nothing
 * else ever reaches the empty set.
 *
 * <p>What this does instead: an empty interest set on a registration that was Added becomes
 * {@code EPOLLERR | EPOLLONESHOT}, an {@code epoll_ctl(MOD)} that keeps the descriptor in the set
 * (Netty 4.2's registrations before the Pending state did the same with an empty MOD). The
 * handler's state (Added) is then true, so the next interest is a MOD that works. One-shot because
 * epoll reports EPOLLHUP whatever the mask, level-triggered, on a socket shut down both ways; it is
 * reported once and the descriptor is disarmed until the channel asks for something again, so the
 * loop never spins on a socket that waits only for its close. An error (a reset) is reported once
 * as EPOLLERR, which the channel handles by flushing and reading, as it would have anyway. A
 * registration that was never Added keeps Netty's path (no system call).
 */
final class HalfCloseSafeEpoll implements IoHandlerFactory {
    /** {@code EPOLLONESHOT} from {@code <sys/epoll.h>} (Linux ABI); Netty's {@code Native} does not expose it. */
    private static final int EPOLLONESHOT = 1 << 30;
    private static final EpollIoOps PARKED = EpollIoOps.valueOf(EpollIoOps.EPOLLERR.value() | EPOLLONESHOT);

    private final IoHandlerFactory epoll = EpollIoHandler.newFactory();

    @Override
    public IoHandler newHandler(ThreadAwareExecutor executor) {
        return new Handler(epoll.newHandler(executor));
    }

    @Override
    public boolean isChangingThreadSupported() {
        return epoll.isChangingThreadSupported();
    }

    private record Handler(IoHandler epoll) implements IoHandler {
        @Override
        public void initialize() {
            epoll.initialize();
        }

        @Override
        public int run(IoHandlerContext context) {
            return epoll.run(context);
        }

        @Override
        public void prepareToDestroy() {
            epoll.prepareToDestroy();
        }

        @Override
        public void destroy() {
            epoll.destroy();
        }

        @Override
        public IoRegistration register(IoHandle handle) throws Exception {
            return new Registration(epoll.register(handle));
        }

        @Override
        public void wakeup() {
            epoll.wakeup();
        }

        @Override
        public boolean isCompatible(Class<? extends IoHandle> handleType) {
            return epoll.isCompatible(handleType);
        }
    }

    /** Submits on the channel's event loop, as Netty's channels do; not shared between threads. */
    private static final class Registration implements IoRegistration {
        private final IoRegistration epoll;
        /** Whether Netty's registration has added the descriptor to the epoll set (its Added state). */
        private boolean added;

        Registration(IoRegistration epoll) {
            this.epoll = epoll;
        }

        @Override
        public <T> T attachment() {
            return epoll.attachment();
        }

        @Override
        public long submit(IoOps ops) {
            boolean empty = ((EpollIoOps) ops).value() == EpollIoOps.NONE.value();
            if (empty && added) {
                return epoll.submit(PARKED);
            }
            long result = epoll.submit(ops);
            if (!empty && result > 0) {
                added = true;
            }
            return result;
        }

        @Override
        public boolean isValid() {
            return epoll.isValid();
        }

        @Override
        public boolean cancel() {
            return epoll.cancel();
        }
    }
}
