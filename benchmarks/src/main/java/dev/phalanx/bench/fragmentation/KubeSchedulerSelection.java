package dev.phalanx.bench.fragmentation;

import java.util.random.RandomGenerator;

/**
 * How kube-scheduler turns node scores into a choice, for the baselines that the FGD paper ran as
 * kube-scheduler score plugins: each node gets a whole-number score from 0 to 100, the highest wins, and
 * equal scores are decided at random. The rounding matters: it makes nodes whose scores differ by less
 * than a hundredth of the range equal, and the published figures were measured that way.
 */
final class KubeSchedulerSelection {
    static final int MAX_SCORE = 100;

    private final RandomGenerator random;
    private long best = Long.MIN_VALUE;
    private int node = -1;
    private int device = -1;
    private int ties;

    KubeSchedulerSelection(RandomGenerator random) {
        this.random = random;
    }

    /** A node score from a value in [0, 1] (clamped), truncated to a whole number as a score plugin returns it. */
    static long score(double unit) {
        return (long) (MAX_SCORE * Math.max(0, Math.min(1, unit)));
    }

    void offer(int candidateNode, int candidateDevice, long score) {
        if (score > best) {
            best = score;
            node = candidateNode;
            device = candidateDevice;
            ties = 1;
        } else if (score == best && random.nextInt(++ties) == 0) {
            node = candidateNode;
            device = candidateDevice;
        }
    }

    NodeScoringPolicy.NodeChoice choice() {
        return node < 0 ? NodeScoringPolicy.NodeChoice.NONE : new NodeScoringPolicy.NodeChoice(node, device);
    }
}
