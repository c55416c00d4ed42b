package dev.phalanx.placement.fragmentation;

import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.RequiredNodeAffinity;

import java.util.Set;
import java.util.TreeSet;

/**
 * What a pod asks of a node, as fragmentation sees it: CPU, and GPUs as {@code gpus} devices of which it
 * takes {@code gpuMilliPerDevice} thousandths each (a fraction of one device, or whole devices), and the
 * GPU models ({@value Keys#GPU_PRODUCT_LABEL}) it accepts, empty for any. Memory is left out: it is rarely
 * what strands a GPU, and leaving it out keeps the number of shapes small.
 */
public record PodShape(long cpuMilli, int gpus, int gpuMilliPerDevice, Set<String> models) {
    public static final int WHOLE_DEVICE = 1000;

    public PodShape {
        models = Set.copyOf(models);
    }

    public static PodShape of(PodInfo pod) {
        long cpu = pod.requests().milli(Keys.CPU);
        if (pod.gpuFractionMilli() > 0) {
            return new PodShape(cpu, 1, pod.gpuFractionMilli(), models(pod));
        }
        int gpus = pod.wholeGpus();
        return new PodShape(cpu, gpus, gpus == 0 ? 0 : WHOLE_DEVICE, gpus == 0 ? Set.of() : models(pod));
    }

    /** GPU thousandths the pod takes in all. */
    public long gpuMilli() {
        return (long) gpus * gpuMilliPerDevice;
    }

    public boolean sharesDevice() {
        return gpus == 1 && gpuMilliPerDevice < WHOLE_DEVICE;
    }

    /** True when a node of GPU model {@code model} (null: a node without the label) is one the pod accepts. */
    public boolean accepts(String model) {
        return models.isEmpty() || (model != null && models.contains(model));
    }

    /**
     * The GPU models a pod's nodeSelector and required node affinity allow, empty when they do not name any:
     * the values of {@value Keys#GPU_PRODUCT_LABEL} they ask for with equality or {@code In}. Terms of the
     * affinity are alternatives, so a term that says nothing of the model allows any.
     */
    static Set<String> models(PodInfo pod) {
        Set<String> allowed = null; // null: any
        String selected = pod.nodeSelector().get(Keys.GPU_PRODUCT_LABEL);
        if (selected != null) {
            allowed = new TreeSet<>(Set.of(selected));
        }
        RequiredNodeAffinity affinity = pod.nodeAffinity();
        if (affinity.isRequired()) {
            Set<String> byTerms = new TreeSet<>();
            boolean anyTermUnconstrained = false;
            for (RequiredNodeAffinity.Term t : affinity.terms()) {
                Set<String> termModels = null;
                for (RequiredNodeAffinity.Requirement r : t.matchExpressions()) {
                    if (r.key().equals(Keys.GPU_PRODUCT_LABEL) && r.operator().equals("In")) {
                        Set<String> values = new TreeSet<>(r.values());
                        termModels = termModels == null ? values : intersect(termModels, values);
                    }
                }
                if (termModels == null) {
                    anyTermUnconstrained = true;
                } else {
                    byTerms.addAll(termModels);
                }
            }
            if (!anyTermUnconstrained) {
                allowed = allowed == null ? byTerms : intersect(allowed, byTerms);
            }
        }
        return allowed == null ? Set.of() : allowed;
    }

    private static Set<String> intersect(Set<String> a, Set<String> b) {
        Set<String> r = new TreeSet<>(a);
        r.retainAll(b);
        return r;
    }
}
