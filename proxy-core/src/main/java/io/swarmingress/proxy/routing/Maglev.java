package io.swarmingress.proxy.routing;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Consistent hashing with a Maglev lookup table (Eisenbud et al., "Maglev: A Fast and Reliable
 * Software Network Load Balancer", NSDI 2016; Envoy's {@code MAGLEV}): a prime-sized table of
 * endpoint indexes, filled by letting each endpoint claim slots in the order of its own
 * permutation of the table, in turns (weighted endpoints take more turns). A key's endpoint is
 * {@code table[hash mod size]}: one division and one array read, where a ring needs a binary
 * search. When one of N endpoints leaves, about 1/N of the slots change hands, so about 1/N of
 * the keys move; the rest keep their endpoint.
 *
 * <p>Chosen over a ring (ketama) for the constant-time lookup and the even spread at a fixed
 * memory cost; the price is a slightly higher disruption than a ring's minimum, which the
 * paper measures and {@code LoadBalancerTest} checks.
 *
 * <p>Endpoints are placed by the hash of their address, in address order, never by their position
 * in the list, so every proxy with the same endpoints builds the same table and sends a key to the
 * same endpoint. The table is built once per routing table, off the event loops. A key whose
 * endpoint is not available (or is the one a retry leaves) takes the next slot's endpoint, and the
 * next: deterministic for the key, spread over the others in proportion to their slots, and
 * without moving any key whose endpoint is fine.
 */
final class Maglev implements LoadBalancer {
    /**
     * The table's size, the same for every service and endpoint count (Envoy's default): a size
     * that changed with the count would reshuffle every key when the count crossed a step. 65,537
     * slots keep 1,000 endpoints within a few percent of an even share and a change of endpoints
     * within a fraction of a percent of the keys it must move; as 16-bit indexes, 128 KiB a service.
     */
    static final int SIZE = 65537;
    /** Beyond this many probes the endpoints are mostly out: scan them instead. */
    private static final int MAX_PROBES = 64;

    private final Endpoint[] endpoints;
    /** The endpoint index of each slot. */
    private final char[] table;

    /** @param endpoints at most 65,535 */
    Maglev(Endpoint[] endpoints, int[] weights) {
        if (endpoints.length > Character.MAX_VALUE) {
            throw new IllegalArgumentException(endpoints.length + " endpoints (expected: at most " + (int) Character.MAX_VALUE + ")");
        }
        this.endpoints = endpoints;
        this.table = build(endpoints, weights, SIZE);
    }

    private static char[] build(Endpoint[] endpoints, int[] weights, int size) {
        int n = endpoints.length;
        int[] byAddress = IntStream.range(0, n).boxed()
                .sorted(Comparator.comparing((Integer i) -> endpoints[i].address().toString()))
                .mapToInt(Integer::intValue).toArray();
        long[] offset = new long[n];
        long[] skip = new long[n];
        long[] next = new long[n];
        long[] taken = new long[n];
        int maxWeight = 1;
        for (int i = 0; i < n; i++) {
            long h = HashKeys.of(endpoints[i].address().toString());
            offset[i] = Long.remainderUnsigned(h, size);
            skip[i] = Long.remainderUnsigned(HashKeys.mix(h ^ 0x9e3779b97f4a7c15L), size - 1) + 1;
            maxWeight = Math.max(maxWeight, weights[i]);
        }
        char[] table = new char[size];
        Arrays.fill(table, Character.MAX_VALUE);
        int filled = 0;
        for (long round = 1; filled < size; round++) {
            for (int k = 0; k < n && filled < size; k++) {
                int i = byAddress[k];
                // A weighted endpoint claims a slot in this round only while it is below its share:
                // after r rounds, r * weight / maxWeight slots (the heaviest claim one every round).
                if (taken[i] * maxWeight >= round * weights[i]) {
                    continue;
                }
                int slot;
                do {
                    slot = (int) ((offset[i] + next[i] * skip[i]) % size);
                    next[i]++;
                } while (table[slot] != Character.MAX_VALUE);
                table[slot] = (char) i;
                taken[i]++;
                filled++;
            }
        }
        return table;
    }

    @Override
    public Endpoint pick(long now, Endpoint avoid, long hash) {
        int size = table.length;
        int slot = (int) Long.remainderUnsigned(hash, size);
        int home = table[slot];
        for (int probe = 0; probe < MAX_PROBES; probe++) {
            Endpoint e = endpoints[table[slot]];
            if (e != avoid && e.available(now)) {
                return e;
            }
            slot = slot + 1 == size ? 0 : slot + 1;
        }
        int n = endpoints.length;
        for (int i = 1; i < n; i++) {
            Endpoint e = endpoints[(home + i) % n];
            if (e != avoid && e.available(now)) {
                return e;
            }
        }
        return LoadBalancer.panic(endpoints, home, avoid);
    }

    /** The endpoint index of every slot, for tests of the spread. */
    int[] table() {
        int[] out = new int[table.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = table[i];
        }
        return out;
    }
}
