package io.swarmingress.proxy.cluster;

/**
 * Load from 8 keep-alive clients behind a health-checking balancer ({@link BalancedLoad}) to all
 * three nodes' proxies, a steady phase, then a node lost (every process of it killed at once), and
 * the figures: requests sent and failed, the steady rate and the worst 5 s window after the loss.
 */
record LoadFigures(BalancedLoad.Stats stats, double steady, long worst, long worstAtMs, long killedAtMillis) {
    static final int CLIENTS = 8;
    private static final long WARM_MS = 3_000;
    private static final long STEADY_MS = 10_000;
    private static final long AFTER_MS = 25_000;

    /** Runs the load, kills {@code node} after the steady phase, and prints the figures under {@code what}. */
    static LoadFigures around(Cluster cluster, int node, String what) throws Exception {
        BalancedLoad.Stats stats;
        double steady;
        long[] worst;
        long killedAt;
        try (BalancedLoad load = BalancedLoad.start(Cluster.addresses(), Cluster.WEB_PORT, Cluster.ADMIN_PORT,
                "app.test", CLIENTS)) {
            Cluster.pause(WARM_MS + STEADY_MS);
            killedAt = System.currentTimeMillis();
            steady = load.rate(killedAt - STEADY_MS, killedAt);
            cluster.kill(node);
            Cluster.pause(AFTER_MS);
            long end = System.currentTimeMillis();
            worst = load.worstFiveSeconds(killedAt, end);
            stats = load.stats();
            System.out.printf("%s: successes per 500 ms from 2 s before the loss: %s%n", what,
                    load.timeline(killedAt - 2000, end, 500));
            StringBuilder slow = new StringBuilder();
            for (BalancedLoad.Slow s : load.slowRequests()) {
                if (s.startMillis() >= killedAt - 5000) {
                    slow.append(String.format("%n  %+6d ms  %5d ms  node%d  %s", s.startMillis() - killedAt, s.millis(), s.node(),
                            s.outcome()));
                }
            }
            System.out.printf("%s: requests slower than %d ms (start after the loss, duration, node, outcome):%s%n", what,
                    BalancedLoad.SLOW_MS, slow);
            StringBuilder checks = new StringBuilder();
            for (String e : load.checkEvents()) {
                long at = Long.parseLong(e.substring(0, e.indexOf(' ')));
                checks.append(String.format("%n  %+6d ms %s", at - killedAt, e.substring(e.indexOf(' ') + 1)));
            }
            System.out.printf("%s: the balancer's health checks (failures, nodes out and back):%s%n", what, checks);
        }
        for (int n = 1; n <= 3; n++) {
            if (n != node) {
                String retries = cluster.admin(n, "/metrics").lines()
                        .filter(l -> l.startsWith("ingress_retries_total{") || l.startsWith("ingress_endpoint_ejections_total{")
                                || l.startsWith("ingress_upstream_connect_errors_total{"))
                        .filter(l -> !l.endsWith(" 0.0")).collect(java.util.stream.Collectors.joining(", "));
                System.out.printf("%s: node%d's proxy: %s%n", what, n, retries);
            }
        }
        System.out.printf("%s under load (%d keep-alive clients to all three nodes behind a balancer checking /healthz every"
                        + " %d ms): %d sent, %d failed, %d resent by the balancer from the lost node (%s per node);"
                        + " steady %.0f ok/s = %.0f per 5 s; worst 5 s after the loss %d (%.0f %%) starting %d ms after it;"
                        + " tasks answering %s; failures %s%n",
                what, CLIENTS, BalancedLoad.CHECK_MS, stats.sent(), stats.failed(), stats.resent(), stats.resentFrom(),
                steady, steady * 5, worst[0], steady == 0 ? 0 : worst[0] * 100 / (steady * 5), worst[1] - killedAt,
                stats.bodies(), stats.firstFailures());
        return new LoadFigures(stats, steady, worst[0], worst[1] - killedAt, killedAt);
    }
}
