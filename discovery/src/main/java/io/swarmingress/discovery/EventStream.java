package io.swarmingress.discovery;

import java.io.InputStream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.transport.DockerHttpClient;

/**
 * Follows {@code GET /events} for the types that can move tasks (service, container, node,
 * network) on its own thread and hands each event on. Events are only triggers: what they say is
 * never trusted as state, the caller re-reads tasks.
 *
 * <p>A stream that ends or fails is reopened with a {@link Backoff} (200 ms to 5 s) on the
 * manager the API currently prefers; each (re)connection is reported, since events were missed
 * while disconnected. Opening a stream has the API deadline (a hanging manager accepts the
 * connection and sends nothing); an open stream may then be silent for as long as nothing happens.
 * The deadline and the backoff are timed by the {@link DiscoveryLoop}, so that no thread sleeps
 * and tests can move the time.
 */
final class EventStream implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventStream.class);
    static final String PATH = "/events?filters="
            + DockerApi.query("{\"type\":[\"service\",\"container\",\"node\",\"network\"]}");

    /** What the stream reports. */
    interface Handler {
        /** The stream is (again) open: anything may have happened since the last event. */
        void onConnected(String endpoint);

        void onEvent(JsonNode event);
    }

    private final DockerApi api;
    private final DiscoveryLoop timers;
    private final Handler handler;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile DockerHttpClient current;
    /** The manager whose stream is open, null while (re)connecting: what the dashboard shows. */
    private volatile String following;

    /** @param timers times the open deadline and the backoff; its tasks only close and wake */
    EventStream(DockerApi api, DiscoveryLoop timers, Handler handler) {
        this.api = api;
        this.timers = timers;
        this.handler = handler;
        this.thread = new Thread(this::run, "swarm-events");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** The manager whose event stream is open now; null while the stream is (re)connecting. */
    String following() {
        return following;
    }

    /** Drops the open stream so that the next one goes to the manager the API now prefers. */
    void reconnect() {
        DockerHttpClient c = current;
        if (c != null) {
            DockerApi.closeQuietly(c);
            thread.interrupt(); // a unix socket read ends on interrupt, not always on close
        }
    }

    private void run() {
        Backoff backoff = new Backoff(timers);
        while (running) {
            Thread.interrupted(); // an interrupt meant for the previous stream
            String endpoint = api.preferredEndpoint();
            DockerHttpClient client;
            try {
                client = api.streamClient(endpoint);
            } catch (RuntimeException e) {
                log.warn("events: cannot set up a client for {}: {}", endpoint, DockerApi.describe(e));
                backoff.pauseLongest();
                continue;
            }
            current = client;
            boolean[] opened = new boolean[1];
            DiscoveryLoop.Cancellable watchdog = timers.schedule(() -> {
                synchronized (opened) {
                    if (!opened[0]) {
                        log.debug("events: {} did not answer within {} ms", endpoint, api.timeout().toMillis());
                        DockerApi.closeQuietly(client);
                        thread.interrupt();
                    }
                }
            }, api.timeout());
            try (DockerHttpClient.Response r = client.execute(DockerHttpClient.Request.builder()
                    .method(DockerHttpClient.Request.Method.GET).path(PATH).build())) {
                synchronized (opened) {
                    opened[0] = true;
                    watchdog.cancel();
                }
                Thread.interrupted(); // a watchdog that fired just as the answer came
                if (r.getStatusCode() != 200) {
                    throw new IllegalStateException("HTTP " + r.getStatusCode() + ": "
                            + SwarmJson.errorMessage(r.getBody().readNBytes(64 * 1024)));
                }
                backoff.reset();
                log.info("events: following {}", endpoint);
                following = endpoint;
                handler.onConnected(endpoint);
                read(r.getBody());
                if (running) {
                    log.info("events: stream from {} ended", endpoint);
                }
            } catch (Exception e) {
                if (running) {
                    log.info("events: {}: {}; reconnecting in {} ms", endpoint, DockerApi.describe(e), backoff.nextMs());
                }
            } finally {
                following = null;
                watchdog.cancel();
                current = null;
                DockerApi.closeQuietly(client);
            }
            if (!running) {
                break;
            }
            backoff.pause();
        }
    }

    private void read(InputStream body) throws Exception {
        try (JsonParser p = SwarmJson.MAPPER.getFactory().createParser(body)) {
            while (running && p.nextToken() == JsonToken.START_OBJECT) {
                JsonNode event = SwarmJson.MAPPER.readTree(p);
                try {
                    handler.onEvent(event);
                } catch (RuntimeException e) {
                    log.warn("events: handler failed on {}", event, e);
                }
            }
        }
    }

    @Override
    public void close() {
        running = false;
        reconnect();
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
