package io.swarmingress.discovery;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.benmanes.caffeine.cache.Ticker;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;
import com.github.dockerjava.transport.SSLConfig;

import io.swarmingress.config.SwarmProviderConfig;

/**
 * The Engine API of an ordered list of managers, through docker-java's HTTP transport.
 *
 * <p>Every call has a hard deadline, enforced here and not only by the transport: on a unix socket
 * docker-java reads through a channel that ignores socket timeouts, and a manager in a leader
 * election accepts a call and never answers. A call that misses its deadline is abandoned (its
 * thread interrupted, its connections closed) and the next manager is asked. The manager that
 * answered last is asked first next time; one that failed is tried last for a while, so an outage
 * costs one timeout, not one per call ({@link ManagerOrder}).
 */
final class DockerApi implements Closeable, SwarmReader.Api {
    private static final Logger log = LoggerFactory.getLogger(DockerApi.class);

    /** Reads a successful response body. */
    interface BodyReader<T> {
        T read(InputStream body) throws IOException;
    }

    /** No manager answered; the message names each one and why. */
    static final class UnavailableException extends Exception {
        private static final long serialVersionUID = 1L;

        UnavailableException(String message) {
            super(message);
        }
    }

    /** The object asked for does not exist (404); not a manager failure. */
    static final class NotFoundException extends Exception {
        private static final long serialVersionUID = 1L;

        NotFoundException(String message) {
            super(message);
        }
    }

    /** One manager failed one call: the next manager may do better. */
    private static final class ManagerFailure extends Exception {
        private static final long serialVersionUID = 1L;

        ManagerFailure(String message) {
            super(message);
        }
    }

    private final List<Manager> managers = new ArrayList<>();
    private final Duration timeout;
    private final ExecutorService io;
    private final ManagerOrder order;
    private final BiConsumer<String, String> onFailover;
    private volatile boolean closed;

    /**
     * @param ticker measures how long ago a manager failed
     * @param onFailover told (from, to) when calls move to another manager
     */
    DockerApi(SwarmProviderConfig provider, Ticker ticker, BiConsumer<String, String> onFailover) {
        this.timeout = provider.apiTimeout();
        this.onFailover = onFailover;
        SSLConfig ssl = provider.tls() == null ? null : DockerTls.sslConfig(provider.tls());
        for (String endpoint : provider.endpoints()) {
            managers.add(new Manager(endpoint, ssl));
        }
        this.order = new ManagerOrder(managers.size(), ticker);
        AtomicInteger n = new AtomicInteger();
        this.io = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "swarm-api-io-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** The endpoint asked first, the one that answered last. */
    String preferredEndpoint() {
        return managers.get(order.preferred()).endpoint;
    }

    Duration timeout() {
        return timeout;
    }

    /** {@code GET path}, on the first manager that answers within the deadline. */
    @Override
    public <T> T get(String path, BodyReader<T> reader) throws UnavailableException, NotFoundException {
        if (closed) {
            throw new UnavailableException("discovery is closed");
        }
        StringBuilder failures = new StringBuilder();
        int start = order.preferred();
        for (int index : order.order(start)) {
            Manager m = managers.get(index);
            try {
                T result = call(m, path, reader);
                if (order.answered(start, index)) {
                    String from = managers.get(start).endpoint;
                    log.warn("Docker API: switched from {} to {}", from, m.endpoint);
                    onFailover.accept(from, m.endpoint);
                }
                return result;
            } catch (ManagerFailure e) {
                order.failed(index);
                if (failures.length() > 0) {
                    failures.append("; ");
                }
                failures.append(m.endpoint).append(": ").append(e.getMessage());
                log.debug("Docker API {} {}: {}", m.endpoint, path, e.getMessage());
            }
        }
        throw new UnavailableException("no Docker manager answered GET " + path + " (" + failures + ")");
    }

    private <T> T call(Manager m, String path, BodyReader<T> reader) throws ManagerFailure, NotFoundException {
        DockerHttpClient client;
        try {
            client = m.client(timeout);
        } catch (RuntimeException e) {
            throw new ManagerFailure("cannot set up a client: " + describe(e)); // e.g. unreadable TLS files
        }
        Future<T> f = io.submit(() -> {
            DockerHttpClient.Request request = DockerHttpClient.Request.builder()
                    .method(DockerHttpClient.Request.Method.GET).path(path).build();
            try (DockerHttpClient.Response r = client.execute(request)) {
                int status = r.getStatusCode();
                if (status == 200) {
                    return reader.read(r.getBody());
                }
                String message = SwarmJson.errorMessage(r.getBody().readNBytes(64 * 1024));
                if (status == 404) {
                    throw new NotFoundException(message);
                }
                // 503 "The swarm does not have a leader" / "This node is not a swarm manager",
                // 500s: this manager cannot answer now, another one may.
                throw new ManagerFailure("HTTP " + status + ": " + message);
            }
        });
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true); // interrupting closes a unix socket channel; resetting closes tcp sockets
            m.reset();
            throw new ManagerFailure("no answer within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new ManagerFailure("interrupted");
        } catch (CancellationException e) {
            throw new ManagerFailure("cancelled");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof NotFoundException) {
                throw (NotFoundException) cause;
            }
            if (cause instanceof ManagerFailure) {
                throw (ManagerFailure) cause;
            }
            m.reset();
            throw new ManagerFailure(describe(cause));
        }
    }

    /** A client for a long-lived stream (events): no response timeout, closed by its user. */
    DockerHttpClient streamClient(String endpoint) {
        for (Manager m : managers) {
            if (m.endpoint.equals(endpoint)) {
                return m.build(timeout, null);
            }
        }
        throw new IllegalArgumentException(endpoint);
    }

    static String describe(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    static String query(String json) {
        return URLEncoder.encode(json, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        closed = true;
        io.shutdownNow();
        for (Manager m : managers) {
            m.reset();
        }
    }

    /** One manager endpoint and its (lazily built, replaced after a failure) HTTP client. */
    private static final class Manager {
        final String endpoint;
        final URI uri;
        final SSLConfig ssl;
        private DockerHttpClient client;

        Manager(String endpoint, SSLConfig ssl) {
            this.endpoint = endpoint;
            this.uri = URI.create(endpoint);
            this.ssl = endpoint.startsWith("tcp://") ? ssl : null;
        }

        synchronized DockerHttpClient client(Duration timeout) {
            if (client == null) {
                client = build(timeout, timeout);
            }
            return client;
        }

        DockerHttpClient build(Duration connectTimeout, Duration responseTimeout) {
            ApacheDockerHttpClient.Builder b = new ApacheDockerHttpClient.Builder()
                    .dockerHost(uri)
                    .sslConfig(ssl)
                    .maxConnections(8)
                    .connectionTimeout(connectTimeout);
            if (responseTimeout != null) {
                b.responseTimeout(responseTimeout);
            }
            return b.build();
        }

        /** Drops the client, closing its connections, so a stuck call cannot hold the next one. */
        void reset() {
            DockerHttpClient old;
            synchronized (this) {
                old = client;
                client = null;
            }
            if (old != null) {
                closeQuietly(old);
            }
        }
    }

    static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException | RuntimeException e) {
            log.debug("close: {}", e.toString());
        }
    }
}
