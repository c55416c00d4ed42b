package dev.phalanx.scheduler.cli;

import dev.phalanx.core.kube.KubeObjects;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.PodInfo;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static dev.phalanx.testing.Testing.namespace;
import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.priorityClass;
import static dev.phalanx.testing.Testing.queue;

/**
 * A random cluster and workload from one seed: NVLink cliques of 4- and 8-GPU nodes, a queue tree
 * with random quotas and limits, gangs of whole and fractional GPU pods arriving over two hours, some
 * with required topology, and some deliberately invalid objects. Also a "canary": a one-GPU pod of the
 * highest priority in an unlimited queue, which must start at once on the empty cluster.
 */
final class RandomScenario {
    final long seed;
    final List<HasMetadata> objects = new ArrayList<>();
    final Map<String, NodeInfo> nodes = new LinkedHashMap<>();
    final Map<String, PodInfo> pods = new LinkedHashMap<>();
    final Set<String> invalidGangs = new HashSet<>();
    /** Queue name to GPU limit in thousandths (absent: no limit), and to parent. */
    final Map<String, Long> gpuLimits = new LinkedHashMap<>();
    final Map<String, String> parents = new LinkedHashMap<>();
    /** Every pod has a run time, so the cluster drains and every gang that can ever start must start. */
    final boolean allFinite;
    /** Per gang: the objects that make it up, to try it alone on the empty cluster. */
    final Map<String, List<HasMetadata>> gangObjects = new LinkedHashMap<>();
    final List<HasMetadata> clusterObjects = new ArrayList<>();

    RandomScenario(long seed) {
        this.seed = seed;
        Random rnd = new Random(seed);
        this.allFinite = seed % 2 == 0;
        int cliques = 1 + rnd.nextInt(3);
        int maxGpus = 0;
        for (int c = 0; c < cliques; c++) {
            int n = 1 + rnd.nextInt(4);
            int gpus = rnd.nextBoolean() ? 4 : 8;
            for (int i = 0; i < n; i++) {
                Node node = rnd.nextInt(10) == 0 ? node("c" + c + "-n" + i, gpus)
                        : node("c" + c + "-n" + i, gpus, Keys.CLIQUE_LABEL, "clique-" + c);
                add(node);
                nodes.put(node.getMetadata().getName(), KubeObjects.node(node));
                maxGpus = Math.max(maxGpus, gpus);
            }
        }
        add(priorityClass("hi", 1000));
        add(priorityClass("lo", 10));
        add(queue("org").gpu(String.valueOf(rnd.nextInt(9)), 1 + rnd.nextInt(3), "-1").build());
        String limitA = limit(rnd);
        String limitB = limit(rnd);
        add(queue("a").parent("org").gpu(String.valueOf(rnd.nextInt(5)), 1 + rnd.nextInt(3), limitA).build());
        add(queue("b").parent("org").gpu("0", 1, limitB).build());
        add(queue("c").gpu("0", 1, "-1").build());
        for (String[] q : new String[][]{{"a", limitA}, {"b", limitB}}) {
            if (!q[1].equals("-1")) {
                gpuLimits.put(q[0], Long.parseLong(q[1]) * 1000);
            }
            parents.put(q[0], "org");
        }
        for (String q : List.of("a", "b", "c")) {
            add(namespace("ns-" + q, Keys.QUEUE_LABEL, q));
        }
        addPod(pod("ns-c", "canary").gpus(1).priorityClass("hi").runFor("5m").build());

        int gangs = 1 + rnd.nextInt(10);
        for (int g = 0; g < gangs; g++) {
            String q = List.of("a", "b", "c").get(rnd.nextInt(3));
            String ns = "ns-" + q;
            String name = "g" + g;
            int minMember = 1 + rnd.nextInt(4);
            int members = minMember + (rnd.nextInt(4) == 0 ? 1 : 0);
            String submit = rnd.nextInt(120) + "m";
            var pg = podGroup(ns, name, minMember).submitAt(submit);
            if (rnd.nextInt(5) < 2) {
                pg.required(Keys.CLIQUE_LABEL);
            }
            int invalid = rnd.nextInt(10) < 2 ? 1 + rnd.nextInt(3) : 0;
            if (invalid == 1) {
                pg.queue("no-such-queue");
            }
            if (invalid == 2) {
                pg = podGroup(ns, name, 0).submitAt(submit);
            }
            if (invalid > 0) {
                invalidGangs.add(ns + "/" + name);
            }
            // priorities and preemptibility: gangs preempt, reclaim and are evicted
            String priority = switch (rnd.nextInt(3)) {
                case 0 -> "hi";
                case 1 -> "lo";
                default -> null;
            };
            if (priority != null) {
                pg.priorityClass(priority);
            }
            if (rnd.nextInt(4) == 0) {
                pg.preemptible(false);
            }
            add(pg.build());
            List<HasMetadata> parts = new ArrayList<>(List.of(objects.get(objects.size() - 1)));
            gangObjects.put(ns + "/" + name, parts);
            boolean fractional = rnd.nextInt(4) == 0;
            int gpus = List.of(1, 2, 4, 8).get(rnd.nextInt(4));
            gpus = Math.min(gpus, maxGpus);
            for (int m = 0; m < members; m++) {
                var p = pod(ns, name + "-" + m).group(name).submitAt(submit).cpu(String.valueOf(1 + rnd.nextInt(8)));
                if (priority != null) {
                    p.priorityClass(priority);
                }
                if (allFinite || rnd.nextInt(5) > 0) {
                    p.runFor((10 + rnd.nextInt(170)) + "m");
                }
                if (invalid == 3 && m == 0) {
                    p.gpuFraction("lots");
                } else if (fractional) {
                    p.gpuFraction(rnd.nextBoolean() ? "0.5" : "0.25");
                } else {
                    p.gpus(gpus);
                }
                Pod built = p.build();
                addPod(built);
                parts.add(built);
            }
        }
        for (HasMetadata o : objects) {
            if (!(o instanceof Pod) && !(o instanceof dev.phalanx.api.v1alpha1.PodGroup)) {
                clusterObjects.add(o);
            }
        }
    }

    private static String limit(Random rnd) {
        return rnd.nextBoolean() ? "-1" : String.valueOf(8 + rnd.nextInt(33));
    }

    private void add(HasMetadata o) {
        objects.add(o);
    }

    private void addPod(Pod p) {
        objects.add(p);
        PodInfo info = KubeObjects.pod(p, x -> 0, 0);
        pods.put(info.key(), info);
    }
}
