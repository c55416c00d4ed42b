package dev.phalanx.bench.fragmentation;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * FGD (Weng et al., "Beware of Fragmentation", USENIX ATC 2023), re-implemented from the paper: the pod goes
 * to the node whose {@link NextPodFragmentation fragmentation} grows least, and a shared pod onto the device
 * of that node where it grows least. Two ways to compare nodes:
 * <ul>
 *   <li>{@link #asPublished}: as FGD ran in kube-scheduler for the published figures, the decrease of
 *   fragmentation (in GPUs) mapped to a whole-number score from 0 to 100 through the logistic function,
 *   the highest score winning and equal scores decided at random ({@link KubeSchedulerSelection});</li>
 *   <li>{@link #exact}: the least growth, compared exactly (equal growth decided at random).</li>
 * </ul>
 * The two differ by more than one might think: whole-number scores make many nodes equal, and choosing
 * among them at random leaves fewer GPUs unallocated than the exact minimum does on the Alibaba trace.
 */
public final class FragmentationGradientDescentPolicy implements NodeScoringPolicy {
    private static final double TIE = 1e-9;

    private final NextPodFragmentation measure;
    private final FragmentationGradient gradient;
    private final RandomGenerator random;
    private final boolean kubeSchedulerScores;

    private FragmentationGradientDescentPolicy(WorkloadDistribution workload, RandomGenerator random, boolean kubeSchedulerScores) {
        this.measure = new NextPodFragmentation(workload);
        this.gradient = new FragmentationGradient(measure);
        this.random = random;
        this.kubeSchedulerScores = kubeSchedulerScores;
    }

    public static FragmentationGradientDescentPolicy asPublished(WorkloadDistribution workload, RandomGenerator random) {
        return new FragmentationGradientDescentPolicy(workload, random, true);
    }

    public static FragmentationGradientDescentPolicy exact(WorkloadDistribution workload, RandomGenerator random) {
        return new FragmentationGradientDescentPolicy(workload, random, false);
    }

    @Override
    public NodeChoice choose(GpuDemand pod, List<GpuNodeState> nodes) {
        int chosen = kubeSchedulerScores ? chooseByScore(pod, nodes) : chooseExactly(pod, nodes);
        if (chosen < 0) {
            return NodeChoice.NONE;
        }
        GpuNodeState n = nodes.get(chosen);
        return new NodeChoice(chosen, kubeSchedulerScores ? firstDeviceOfBestScore(n, pod) : gradient.bestDevice(chosen, n, pod));
    }

    /**
     * The device a shared pod gets as the published runs chose it: the lowest-numbered device whose whole-number
     * score equals the best (the scores are coarse, so this packs low-numbered devices first); -1 for other pods.
     */
    private int firstDeviceOfBestScore(GpuNodeState n, GpuDemand pod) {
        if (!pod.sharesDevice()) {
            return -1;
        }
        double before = measure.of(n);
        long best = Long.MIN_VALUE;
        int device = -1;
        for (int d = 0; d < n.gpuDevices(); d++) {
            if (n.deviceFree(d) >= pod.gpuMilliPerDevice()) {
                double decreaseInGpus = (before - measure.after(n, pod, d)) / GpuDemand.WHOLE_DEVICE;
                long score = KubeSchedulerSelection.score(1 / (1 + Math.exp(-decreaseInGpus)));
                if (score > best) {
                    best = score;
                    device = d;
                }
            }
        }
        return device;
    }

    private int chooseByScore(GpuDemand pod, List<GpuNodeState> nodes) {
        KubeSchedulerSelection selection = new KubeSchedulerSelection(random);
        for (int i = 0; i < nodes.size(); i++) {
            GpuNodeState n = nodes.get(i);
            if (n.fits(pod)) {
                double decreaseInGpus = -gradient.delta(i, n, pod) / GpuDemand.WHOLE_DEVICE;
                selection.offer(i, -1, KubeSchedulerSelection.score(1 / (1 + Math.exp(-decreaseInGpus))));
            }
        }
        return selection.choice().node();
    }

    private int chooseExactly(GpuDemand pod, List<GpuNodeState> nodes) {
        double best = Double.POSITIVE_INFINITY;
        int chosen = -1;
        int ties = 0;
        for (int i = 0; i < nodes.size(); i++) {
            GpuNodeState n = nodes.get(i);
            if (!n.fits(pod)) {
                continue;
            }
            double delta = gradient.delta(i, n, pod);
            if (delta < best - TIE) {
                best = delta;
                chosen = i;
                ties = 1;
            } else if (delta <= best + TIE && random.nextInt(++ties) == 0) {
                chosen = i;
            }
        }
        return chosen;
    }
}
