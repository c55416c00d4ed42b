package dev.phalanx.bench.trace;

import dev.phalanx.core.cycle.CyclePolicies;
import dev.phalanx.placement.BestFitPlacement;
import dev.phalanx.queue.FairShareCalculator;
import dev.phalanx.queue.GangAdmission;
import dev.phalanx.scheduler.PhalanxConfig;
import dev.phalanx.scheduler.Policies;
import dev.phalanx.api.v1alpha1.PodGroup;
import dev.phalanx.api.v1alpha1.PodGroupSpec;
import dev.phalanx.api.v1alpha1.Queue;
import dev.phalanx.api.v1alpha1.QueueResource;
import dev.phalanx.api.v1alpha1.QueueSpec;
import dev.phalanx.core.cycle.SchedulingCycle;
import dev.phalanx.core.kube.Manifests;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.sim.Simulation;
import dev.phalanx.core.sim.SimulationOptions;
import dev.phalanx.core.sim.SimulationResult;
import dev.phalanx.scheduler.report.QueueStats;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Queue fairness on a real trace: Philly jobs replayed through the simulator, each job a PodGroup of
 * {@code num_gpus} one-GPU pods in the queue of its virtual cluster, on a cluster of 8-GPU nodes.
 * Every policy runs on the same jobs in the same command.
 */
public final class FairnessBench {
    public static final long HOUR = 3_600_000L;

    /**
     * What one policy did: per queue, and over the whole run. {@code jainIndex} measures allocation against the fair
     * share the policy itself computed, {@code jainByWeights} against the share the configured weights alone give
     * (the same yardstick for every policy); {@code jainOfTotals}: of each queue's GPU-hours over the whole run against
     * the GPU-hours of its share by weights alone, fairness over the run rather than moment by moment;
     * {@code gpuHoursLost}: the part of {@code gpuHoursUsed} evictions threw away.
     */
    public record PolicyResult(String name, double gpuAllocationRatio, double jainIndex, double meanWaitSeconds,
                               double p95WaitSeconds, int jobsStarted, int jobsWaiting, int evictions,
                               List<QueueWait> queues, double jainByWeights, double jainOfTotals, double gpuHoursUsed,
                               double gpuHoursLost) {
    }

    public record QueueWait(String queue, int jobs, int started, double quotaGpus, double meanWaitSeconds,
                            double p95WaitSeconds) {
    }

    /** The replayed window and cluster, stated in every report. */
    public record Setup(long windowStart, long windowMillis, int nodes, int jobs, Map<String, Double> quotas) {
    }

    private final List<PhillyTrace.Job> jobs;
    private final Setup setup;
    private String checkpointInterval;
    private boolean runTimesKnown = true;

    /**
     * Takes the jobs submitted in [{@code start}, {@code start + window}) and a cluster of {@code nodes}
     * 8-GPU nodes; each virtual cluster's quota is its share of the window's GPU time, in whole GPUs.
     */
    public FairnessBench(List<PhillyTrace.Job> all, long start, long window, int nodes) {
        this.jobs = all.stream().filter(j -> j.submitSecond() * 1000 >= start && j.submitSecond() * 1000 < start + window).toList();
        if (jobs.isEmpty()) {
            throw new IllegalArgumentException("no job of the trace was submitted in the chosen window");
        }
        Map<String, Double> gpuTime = new TreeMap<>();
        double total = 0;
        for (PhillyTrace.Job j : jobs) {
            double t = (double) j.gpus() * j.durationSeconds() * 1000;
            gpuTime.merge(j.cluster(), t, Double::sum);
            total += t;
        }
        Map<String, Double> quotas = new TreeMap<>();
        int gpus = nodes * 8;
        for (Map.Entry<String, Double> e : gpuTime.entrySet()) {
            quotas.put(e.getKey(), Math.floor(gpus * e.getValue() / total));
        }
        this.setup = new Setup(start, window, nodes, jobs.size(), quotas);
    }

    public Setup setup() {
        return setup;
    }

    /** Whether the scheduler is told how long jobs run, as a simulation can be; false: only when they started, as live. */
    public FairnessBench runTimesKnown(boolean known) {
        this.runTimesKnown = known;
        return this;
    }

    /** Every job writes a checkpoint this often (a duration), and says so on its pods; null: none does (the trace does not say). */
    public FairnessBench checkpointEvery(String interval) {
        this.checkpointInterval = interval;
        return this;
    }

    Manifests manifests() {
        Manifests m = Manifests.empty();
        for (int i = 0; i < setup.nodes(); i++) {
            String name = String.format("node-%04d", i);
            m.nodes().add(new Manifests.Sourced<>(new NodeBuilder().withNewMetadata().withName(name)
                    .withLabels(Map.of(Keys.HOSTNAME_LABEL, name, Keys.RACK_LABEL, "rack-" + (i / 16))).endMetadata()
                    .withNewStatus().withAllocatable(Map.of(Keys.GPU, new Quantity("8"), Keys.CPU, new Quantity("64"),
                            Keys.MEMORY, new Quantity("512Gi"))).endStatus().build(), "philly"));
        }
        setup.quotas().forEach((vc, quota) -> {
            String q = queueName(vc);
            Queue queue = new Queue();
            queue.setMetadata(new ObjectMeta());
            queue.getMetadata().setName(q);
            QueueSpec spec = new QueueSpec();
            spec.getResources().put(Keys.GPU, new QueueResource(new Quantity(String.valueOf(quota.longValue())), 1.0, null));
            queue.setSpec(spec);
            m.queues().add(new Manifests.Sourced<>(queue, "philly"));
            m.namespaces().add(new Manifests.Sourced<>(new NamespaceBuilder().withNewMetadata().withName(q)
                    .withLabels(Map.of(Keys.QUEUE_LABEL, q)).endMetadata().build(), "philly"));
        });
        int n = 0;
        for (PhillyTrace.Job j : jobs) {
            String ns = queueName(j.cluster());
            String name = String.format("job-%05d", n++);
            String submit = (j.submitSecond() * 1000 - setup.windowStart()) / 1000 + "s";
            String runFor = j.durationSeconds() + "s";
            PodGroup pg = new PodGroup();
            pg.setMetadata(new ObjectMeta());
            pg.getMetadata().setName(name);
            pg.getMetadata().setNamespace(ns);
            pg.getMetadata().setAnnotations(Map.of(Keys.SIM_SUBMIT_AT, submit));
            PodGroupSpec spec = new PodGroupSpec();
            spec.setMinMember(j.gpus());
            spec.setQueue(ns);
            pg.setSpec(spec);
            m.podGroups().add(new Manifests.Sourced<>(pg, "philly"));
            for (int k = 0; k < j.gpus(); k++) {
                m.pods().add(new Manifests.Sourced<>(new PodBuilder().withNewMetadata().withName(name + "-" + k).withNamespace(ns)
                        .withLabels(Map.of(Keys.POD_GROUP_LABEL, name))
                        .withAnnotations(podAnnotations(submit, runFor)).endMetadata()
                        .withNewSpec().withSchedulerName(Keys.SCHEDULER_NAME).addNewContainer().withName("train").withNewResources()
                        .withRequests(Map.of(Keys.CPU, new Quantity("4"))).withLimits(Map.of(Keys.GPU, new Quantity("1")))
                        .endResources().endContainer().endSpec().build(), "philly"));
            }
        }
        return m;
    }

    private Map<String, String> podAnnotations(String submit, String runFor) {
        return checkpointInterval == null ? Map.of(Keys.SIM_SUBMIT_AT, submit, Keys.SIM_RUN_FOR, runFor)
                : Map.of(Keys.SIM_SUBMIT_AT, submit, Keys.SIM_RUN_FOR, runFor, Keys.CHECKPOINT_INTERVAL_ANNOTATION, checkpointInterval);
    }

    private static String queueName(String vc) {
        return "vc-" + vc.toLowerCase();
    }

    /** The policies a fairness run compares, in the order they are reported. */
    public static final List<String> POLICIES = List.of("phalanx", "phalanx-no-decay", "no-evict", "fifo");

    /**
     * The cycle of one of {@link #POLICIES}: Phalanx as {@code config} sets it up, the same without usage history,
     * Phalanx without preemption or reclaim and without usage history, and one first-come first-served line without
     * reservations.
     */
    public static SchedulingCycle cycle(String policy, PhalanxConfig config) {
        return switch (policy) {
            case "phalanx" -> new SchedulingCycle(Policies.reproducible(Policies.DEFAULT_SEED, true, config));
            case "phalanx-no-decay" -> new SchedulingCycle(Policies.reproducible(Policies.DEFAULT_SEED, true,
                    config.withFairness(PhalanxConfig.Fairness.OFF)));
            case "no-evict" -> Policies.withoutPreemption();
            case "fifo" -> new SchedulingCycle(CyclePolicies.of(new FairShareCalculator(), new GangAdmission(false),
                    new BestFitPlacement()).withReservations(false));
            default -> throw new IllegalArgumentException("unknown policy '" + policy + "' (" + String.join(", ", POLICIES) + ")");
        };
    }

    public PolicyResult run(String name, SchedulingCycle cycle, long untilMillis) {
        SimulationResult r = new Simulation(manifests(), cycle, Policies.reporter(), SimulationOptions.until(untilMillis)
                .withRunTimesKnown(runTimesKnown)).run();
        Map<String, List<Double>> waits = QueueStats.waitsByQueue(r);
        List<QueueWait> queues = new ArrayList<>();
        List<Double> all = new ArrayList<>();
        Map<String, int[]> counts = new LinkedHashMap<>();
        for (SimulationResult.PodGroupRecord g : r.podGroups()) {
            int[] c = counts.computeIfAbsent(g.queue(), k -> new int[2]);
            c[0]++;
            if (g.scheduledAt() != null) {
                c[1]++;
            }
        }
        for (Map.Entry<String, Double> e : setup.quotas().entrySet()) {
            String q = queueName(e.getKey());
            List<Double> w = new ArrayList<>(waits.getOrDefault(q, List.of()));
            w.sort(Double::compare);
            all.addAll(w);
            int[] c = counts.getOrDefault(q, new int[2]);
            queues.add(new QueueWait(q, c[0], c[1], e.getValue(), mean(w), QueueStats.percentile(w, 0.95)));
        }
        all.sort(Double::compare);
        int started = (int) r.podGroups().stream().filter(g -> g.scheduledAt() != null).count();
        return new PolicyResult(name, r.summary().gpuAllocationRatio(), jain(r.timeline()), mean(all),
                QueueStats.percentile(all, 0.95), started, r.podGroups().size() - started, r.summary().evictions(), queues,
                jain(r.timeline(), SimulationResult.Sample::fairShareByWeightsGpus), jainOfTotals(r.timeline()),
                r.summary().gpuHoursUsed(),
                r.summary().gpuHoursLost());
    }

    private static double mean(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).average().orElse(0);
    }

    /**
     * Jain's fairness index of allocated ÷ fair share across the queues that have a fair share,
     * averaged over simulated time (each sample holds until the next): 1 is perfectly fair, 1/n is
     * one queue holding everything.
     */
    /**
     * Jain's index across queues of GPU-hours allocated over the run ÷ GPU-hours of their share by weights alone, for
     * the queues that had a share: 1 when every queue got, over the run, what its shares added up to.
     */
    static double jainOfTotals(List<SimulationResult.Sample> timeline) {
        Map<String, double[]> totals = new TreeMap<>();
        for (int i = 0; i + 1 < timeline.size(); i++) {
            SimulationResult.Sample s = timeline.get(i);
            double dt = timeline.get(i + 1).at() - s.at();
            s.fairShareByWeightsGpus().forEach((q, share) -> {
                double[] t = totals.computeIfAbsent(q, k -> new double[2]);
                t[0] += dt * s.allocatedGpus().getOrDefault(q, 0.0);
                t[1] += dt * share;
            });
        }
        double sum = 0, squares = 0;
        int n = 0;
        for (double[] t : totals.values()) {
            if (t[1] > 1e-9) {
                double x = t[0] / t[1];
                sum += x;
                squares += x * x;
                n++;
            }
        }
        return n == 0 || squares == 0 ? 1 : sum * sum / (n * squares);
    }

    static double jain(List<SimulationResult.Sample> timeline) {
        return jain(timeline, SimulationResult.Sample::fairShareGpus);
    }

    /** The same, against the fair share {@code share} picks from each sample. */
    static double jain(List<SimulationResult.Sample> timeline,
                       java.util.function.Function<SimulationResult.Sample, Map<String, Double>> shareOf) {
        double weighted = 0, time = 0;
        for (int i = 0; i + 1 < timeline.size(); i++) {
            SimulationResult.Sample s = timeline.get(i);
            double dt = timeline.get(i + 1).at() - s.at();
            if (dt <= 0) {
                continue;
            }
            double sum = 0, squares = 0;
            int n = 0;
            for (Map.Entry<String, Double> e : shareOf.apply(s).entrySet()) {
                double share = e.getValue();
                if (share > 1e-9) {
                    double x = s.allocatedGpus().getOrDefault(e.getKey(), 0.0) / share;
                    sum += x;
                    squares += x * x;
                    n++;
                }
            }
            if (n > 0 && squares > 0) {
                weighted += dt * (sum * sum) / (n * squares);
                time += dt;
            }
        }
        return time == 0 ? 1 : weighted / time;
    }
}
