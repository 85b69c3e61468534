package io.swarmingress.proxy.routing;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Whose turn it is in a weighted round robin, computed from a turn number rather than stored as a
 * schedule, so that a pick stays one atomic increment plus a short search, and the memory stays
 * small at 1,000 endpoints of weight 256.
 *
 * <p>Interleaved weighted round robin: weights are divided by their greatest common divisor, and a
 * cycle is {@code max(weight)} rounds; round {@code r} visits, in order, every member whose weight
 * is above {@code r}. So weights 3 and 1 give A B A A, not A A A B: a heavy member's turns are
 * spread over the cycle instead of bunched. Members of weight 0 never get a turn.
 */
final class WeightedTurns {
    /** Member indexes, heaviest first (stable): round {@code r} is a prefix of this order. */
    private final int[] order;
    /** {@code roundStart[r]}: the turns before round {@code r}; one entry per round, plus the cycle's length. */
    private final int[] roundStart;

    private WeightedTurns(int[] order, int[] roundStart) {
        this.order = order;
        this.roundStart = roundStart;
    }

    /**
     * @param weights one per member, each 0 or more, at least one above 0
     * @return null when every member weighs the same: then turns are plain round robin
     */
    static WeightedTurns of(int[] weights) {
        int gcd = 0;
        boolean equal = true;
        for (int w : weights) {
            if (w < 0) {
                throw new IllegalArgumentException("weight " + w + " (expected: >= 0)");
            }
            gcd = gcd(gcd, w);
            equal &= w == weights[0];
        }
        if (gcd == 0) {
            throw new IllegalArgumentException("every weight is 0");
        }
        if (equal) {
            return null;
        }
        int[] reduced = new int[weights.length];
        int max = 0;
        for (int i = 0; i < weights.length; i++) {
            reduced[i] = weights[i] / gcd;
            max = Math.max(max, reduced[i]);
        }
        int[] order = IntStream.range(0, weights.length).boxed()
                .sorted(Comparator.comparingInt((Integer i) -> reduced[i]).reversed())
                .mapToInt(Integer::intValue).toArray();
        int[] roundStart = new int[max + 1];
        int members = weights.length;
        for (int r = 0; r < max; r++) {
            while (members > 0 && reduced[order[members - 1]] <= r) {
                members--;
            }
            roundStart[r + 1] = roundStart[r] + members;
        }
        return new WeightedTurns(order, roundStart);
    }

    /** The turns in one cycle: the sum of the reduced weights. */
    int cycle() {
        return roundStart[roundStart.length - 1];
    }

    /** The member whose turn {@code turn} is, for {@code 0 <= turn < cycle()}. */
    int member(int turn) {
        // Rounds are never empty (the heaviest member is in all), so the starts strictly increase:
        // an exact hit is the first turn of round r, a miss falls inside the round before the insertion point.
        int r = Arrays.binarySearch(roundStart, turn);
        if (r < 0) {
            r = -r - 2;
        }
        return order[turn - roundStart[r]];
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
