package dev.phalanx.core.model;

import java.util.List;
import java.util.Map;

/**
 * One inter-pod affinity or anti-affinity term, resolved against the pod that declares it: pods matching
 * {@code selector} in the namespaces it covers, in the same domain of {@code topologyKey} (a node label). The
 * namespaces covered are {@code namespaces}, and every namespace whose labels {@code namespaceSelector} matches (null:
 * none beyond the list); a term naming neither covers the declaring pod's own namespace, as in Kubernetes. matchLabelKeys
 * and mismatchLabelKeys are already folded into {@code selector}. {@code weight}: 1 to 100 for a preferred term, 0 for a
 * required one.
 */
public record AffinityTerm(PodSelector selector, List<String> namespaces, PodSelector namespaceSelector, String topologyKey,
                           int weight) {
    public AffinityTerm {
        namespaces = namespaces == null ? List.of() : namespaces.stream().sorted().distinct().toList();
    }

    /** True when a pod in {@code namespace} falls under this term's namespaces. */
    public boolean covers(String namespace, Map<String, NamespaceInfo> namespaceLabels) {
        if (namespaces.contains(namespace)) {
            return true;
        }
        if (namespaceSelector == null) {
            return false;
        }
        NamespaceInfo ns = namespaceLabels.get(namespace);
        return namespaceSelector.matches(ns == null ? Map.of() : ns.labels());
    }

    /** True when {@code pod} is one this term is about (its namespace and labels), wherever it runs. */
    public boolean matches(PodInfo pod, Map<String, NamespaceInfo> namespaceLabels) {
        return selector.matches(pod.constraints().labels()) && covers(pod.namespace(), namespaceLabels);
    }

    @Override
    public String toString() {
        String ns = namespaceSelector != null ? " in namespaces " + (namespaceSelector.isEmpty() ? "(all)" : namespaceSelector)
                + (namespaces.isEmpty() ? "" : " or " + String.join(",", namespaces))
                : namespaces.size() == 1 ? "" : " in namespaces " + String.join(",", namespaces);
        return selector + ns + " per " + topologyKey;
    }
}
