package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.swarmingress.config.ConfigParser;
import io.swarmingress.proxy.testing.Backend;
import io.swarmingress.proxy.testing.Closer;
import io.swarmingress.proxy.testing.ProxyFixture;

/**
 * Every policy against real backends on real sockets: the spread, the weights, how few keys move
 * when a hashed service loses an endpoint, p2c's shift away from a slow endpoint, and hashing
 * tcp connections on the client's address.
 */
@Timeout(120)
class LoadBalancingTest {
    private final Closer closer = new Closer();

    @AfterEach
    void closeAll() throws Exception {
        closer.close();
    }

    private List<Backend> backends(int n) {
        List<Backend> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(closer.add(Backend.start("b" + i)));
        }
        return list;
    }

    private static String endpoints(List<Backend> backends) {
        StringBuilder sb = new StringBuilder();
        for (Backend b : backends) {
            sb.append(sb.length() == 0 ? "" : ", ").append("'").append(b.hostPort()).append("'");
        }
        return sb.toString();
    }

    private static String config(String service) {
        return "io_threads: 2\nentrypoints: [{name: web, address: '127.0.0.1:0'}]\n"
                + "routes: [{entrypoint: web, service: app}]\nservices:\n  - " + service + "\n";
    }

    private ProxyFixture proxy(String service) {
        return closer.add(ProxyFixture.start(config(service)));
    }

    private static Map<String, Integer> spread(ProxyFixture proxy, int n, String... headers) {
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < n; i++) {
            HttpResponse<String> r = proxy.get("web", "/", headers);
            assertThat(r.statusCode()).isEqualTo(200);
            seen.merge(r.body(), 1, Integer::sum);
        }
        return seen;
    }

    @Test
    void everyPolicySpreadsOverEveryBackend() {
        List<Backend> b = backends(3);
        for (String lb : List.of("round_robin", "least_conn", "p2c", "hash, hash_on: 'header:x-user'")) {
            try (ProxyFixture proxy = ProxyFixture.start(config("{name: app, lb: " + lb + ", endpoints: [" + endpoints(b) + "]}"))) {
                Map<String, Integer> seen = new HashMap<>();
                for (int i = 0; i < 300; i++) {
                    HttpResponse<String> r = proxy.get("web", "/", "x-user", "user-" + i);
                    seen.merge(r.body(), 1, Integer::sum);
                }
                System.out.printf("%s over 3 backends, 300 sequential requests: %s%n", lb, seen);
                assertThat(seen).as(lb).containsOnlyKeys("b0", "b1", "b2");
                if (lb.equals("round_robin") || lb.equals("least_conn")) {
                    assertThat(seen.values()).as(lb + ": idle, so exactly even").containsOnly(100);
                }
            }
        }
    }

    @Test
    void endpointWeightsAreHonoured() {
        List<Backend> b = backends(2);
        String eps = "[{address: '" + b.get(0).hostPort() + "', weight: 1}, {address: '" + b.get(1).hostPort() + "', weight: 3}]";
        for (String lb : List.of("round_robin", "least_conn")) {
            try (ProxyFixture proxy = ProxyFixture.start(config("{name: app, lb: " + lb + ", endpoints: " + eps + "}"))) {
                assertThat(spread(proxy, 400)).as(lb).containsEntry("b0", 100).containsEntry("b1", 300);
            }
        }
        try (ProxyFixture proxy = ProxyFixture.start(config("{name: app, lb: hash, hash_on: path, endpoints: " + eps + "}"))) {
            Map<String, Integer> seen = new HashMap<>();
            for (int i = 0; i < 2000; i++) {
                seen.merge(proxy.get("web", "/item/" + i).body(), 1, Integer::sum);
            }
            assertThat(seen.get("b1")).as("hash: about three keys in four").isBetween(1350, 1650);
        }
    }

    @Test
    void hashedKeysStayPutAndOnlyAboutAFifthMoveWhenOneOfFiveBackendsLeavesOrJoins() throws IOException {
        List<Backend> b = backends(5);
        ProxyFixture proxy = proxy("{name: app, lb: hash, hash_on: 'header:x-user', endpoints: [" + endpoints(b) + "]}");
        int keys = 10_000;
        String[] before = byUser(proxy.port("web"), keys);
        String[] again = byUser(proxy.port("web"), 1000);
        for (int k = 0; k < again.length; k++) {
            assertThat(again[k]).as("the same key, the same backend").isEqualTo(before[k]);
        }
        List<Backend> four = new ArrayList<>(b.subList(0, 4));
        proxy.server().apply(new ConfigParser().parse(config("{name: app, lb: hash, hash_on: 'header:x-user', endpoints: ["
                + endpoints(four) + "]}"), "test.yaml"));
        int moved = 0;
        int movedWithoutNeed = 0;
        String[] after = byUser(proxy.port("web"), keys);
        for (int k = 0; k < keys; k++) {
            String now = after[k];
            if (!now.equals(before[k])) {
                moved++;
                movedWithoutNeed += before[k].equals("b4") ? 0 : 1;
            }
        }
        System.out.printf("hash, 5 -> 4 backends on real sockets, %d keys: %d moved (%.2f%%), %d not from the one that left%n",
                keys, moved, 100.0 * moved / keys, movedWithoutNeed);
        assertThat(moved).isBetween(keys * 17 / 100, keys * 22 / 100);
        assertThat(movedWithoutNeed).isLessThan(keys / 100);

        // 4 -> 5: about a fifth of the keys move, nearly all of them to the backend that joined,
        // and since the table depends only on the addresses, every key is back where it was at first.
        proxy.server().apply(new ConfigParser().parse(config("{name: app, lb: hash, hash_on: 'header:x-user', endpoints: ["
                + endpoints(b) + "]}"), "test.yaml"));
        String[] back = byUser(proxy.port("web"), keys);
        int joinMoved = 0;
        int toJoined = 0;
        for (int k = 0; k < keys; k++) {
            if (!back[k].equals(after[k])) {
                joinMoved++;
                toJoined += back[k].equals("b4") ? 1 : 0;
            }
        }
        System.out.printf("hash, 4 -> 5 backends, %d keys: %d moved (%.2f%%), %d to the one that joined%n", keys, joinMoved,
                100.0 * joinMoved / keys, toJoined);
        assertThat(toJoined).isBetween(keys * 17 / 100, keys * 22 / 100);
        assertThat(joinMoved - toJoined).as("moved, but not to the one that joined").isLessThan(keys / 100);
        assertThat(back).as("the same addresses, the same table").isEqualTo(before);
    }

    @Test
    void p2cSendsAlmostNothingToTheEndpointThatIs50msSlowerWithoutEjectingIt() throws Exception {
        Backend a = closer.add(Backend.start("a"));
        Backend b = closer.add(Backend.start("b"));
        Backend slow = closer.add(Backend.slow("slow", 50));
        String eps = a.hostPort() + "', '" + b.hostPort() + "', '" + slow.hostPort();
        Map<String, Map<String, Integer>> one = new HashMap<>();
        Map<String, Map<String, Integer>> four = new HashMap<>();
        for (String lb : List.of("round_robin", "least_conn", "p2c")) {
            try (ProxyFixture proxy = ProxyFixture.start(config("{name: app, lb: " + lb + ", endpoints: ['" + eps + "']}"))) {
                one.put(lb, load(proxy, 1, 300));
                four.put(lb, load(proxy, 4, 600));
            }
            System.out.printf("%s, one endpoint 50 ms slow: 1 client, 300 requests: %s; then 4 clients, 600 requests: %s%n", lb,
                    one.get(lb), four.get(lb));
        }
        // One request at a time: nothing is ever in flight when a pick is made, so least_conn
        // cannot tell the slow endpoint from the others; p2c has measured it. On a quiet machine
        // it sends the slow one 0-2 %; on one loaded with other builds (load average 10 on 2
        // cores) a stall of a fast backend raises that one's peak above 50 ms for a while, and
        // p2c then rightly prefers the slow one: 10 % was seen there. Far from a third either way.
        assertThat(one.get("round_robin").get("slow")).isEqualTo(100);
        assertThat(one.get("least_conn").get("slow")).isEqualTo(100);
        assertThat(one.get("p2c").getOrDefault("slow", 0)).as("p2c, 1 client: under 15%").isLessThan(45);
        assertThat(four.get("round_robin").get("slow")).as("round robin, 4 clients: a third").isBetween(199, 201);
        // Several at a time, the fast endpoints carry requests in flight, and p2c weighs that load
        // against the slow one's latency: some traffic goes there, the more the slower the fast
        // ones answer (on a busy machine, 10 ms and more), but far less than a third.
        assertThat(four.get("p2c").getOrDefault("slow", 0)).as("p2c, 4 clients: under 20%").isLessThan(120);
        assertThat(four.get("p2c")).containsKeys("a", "b");
    }

    /** {@code total} requests from {@code clients} threads, each sending the next when its last one is answered. */
    private static Map<String, Integer> load(ProxyFixture proxy, int clients, int total) throws Exception {
        Map<String, Integer> seen = new ConcurrentHashMap<>();
        AtomicInteger left = new AtomicInteger(total);
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                done.add(pool.submit(() -> {
                    while (left.getAndDecrement() > 0) {
                        HttpResponse<String> r = proxy.get("web", "/");
                        assertThat(r.statusCode()).isEqualTo(200);
                        seen.merge(r.body(), 1, Integer::sum);
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return new HashMap<>(seen);
    }

    @Test
    void tcpConnectionsAreHashedOnTheClientAddress() throws Exception {
        List<Backend> b = backends(3);
        ProxyFixture proxy = closer.add(ProxyFixture.start("entrypoints: [{name: db, address: '127.0.0.1:0', protocol: tcp, service: app}]\n"
                + "services: [{name: app, lb: hash, endpoints: [" + endpoints(b) + "]}]\n"));
        int port = proxy.port("db");
        Map<String, String> byClient = new HashMap<>();
        for (int round = 0; round < 2; round++) {
            for (int host = 1; host <= 30; host++) {
                String client = "127.0.0." + host;
                String answer = viaTcp(client, port);
                String first = byClient.putIfAbsent(client, answer);
                assertThat(answer).as("client " + client + " again").isEqualTo(first == null ? answer : first);
            }
        }
        Map<String, Integer> spread = new HashMap<>();
        byClient.values().forEach(v -> spread.merge(v, 1, Integer::sum));
        System.out.println("tcp hash, 30 client addresses: " + spread);
        assertThat(spread).hasSizeGreaterThanOrEqualTo(2);
    }

    /**
     * The backend that answers each of {@code keys} users ({@code x-user: user-K}): requests
     * pipelined on one keep-alive connection, 100 at a time, which is much quicker than a client
     * waiting for each answer before it sends the next (the proxy answers them in order).
     */
    private static String[] byUser(int port, int keys) throws IOException {
        String[] out = new String[keys];
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream os = s.getOutputStream();
            java.io.BufferedInputStream in = new java.io.BufferedInputStream(s.getInputStream());
            for (int from = 0; from < keys; from += 100) {
                StringBuilder batch = new StringBuilder();
                for (int k = from; k < Math.min(keys, from + 100); k++) {
                    batch.append("GET / HTTP/1.1\r\nHost: x\r\nx-user: user-").append(k).append("\r\n\r\n");
                }
                os.write(batch.toString().getBytes(StandardCharsets.US_ASCII));
                os.flush();
                for (int k = from; k < Math.min(keys, from + 100); k++) {
                    out[k] = readBody(in);
                }
            }
        }
        return out;
    }

    /** Reads one response with a Content-Length; returns its body. */
    private static String readBody(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("connection closed after " + head);
            }
            head.append((char) c);
        }
        assertThat(head.toString()).startsWith("HTTP/1.1 200 ");
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring("content-length:".length()).trim());
            }
        }
        return new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
    }

    /** An HTTP request over the tcp entrypoint from the given local address; the backend's name. */
    private static String viaTcp(String localAddress, int port) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(localAddress, 0));
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            return response.substring(response.indexOf("\r\n\r\n") + 4);
        }
    }
}
