package dev.phalanx.core.model;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;

import java.util.List;
import java.util.Map;

/** Kubernetes label-selector matching (matchLabels and matchExpressions). */
public final class LabelSelectors {
    private LabelSelectors() {
    }

    /** A null selector matches everything; an empty one too, as in Kubernetes. */
    public static boolean matches(LabelSelector selector, Map<String, String> labels) {
        if (selector == null) {
            return true;
        }
        if (selector.getMatchLabels() != null) {
            for (Map.Entry<String, String> e : selector.getMatchLabels().entrySet()) {
                if (!e.getValue().equals(labels.get(e.getKey()))) {
                    return false;
                }
            }
        }
        if (selector.getMatchExpressions() != null) {
            for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
                if (!matches(r.getKey(), r.getOperator(), r.getValues(), labels)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** One requirement; the operators of label selectors and node-selector terms alike. */
    public static boolean matches(String key, String operator, List<String> values, Map<String, String> labels) {
        String v = labels.get(key);
        List<String> vs = values == null ? List.of() : values;
        return switch (operator) {
            case "In" -> v != null && vs.contains(v);
            case "NotIn" -> v == null || !vs.contains(v);
            case "Exists" -> labels.containsKey(key);
            case "DoesNotExist" -> !labels.containsKey(key);
            case "Gt", "Lt" -> {
                try {
                    long have = Long.parseLong(v);
                    long want = Long.parseLong(vs.get(0));
                    yield operator.equals("Gt") ? have > want : have < want;
                } catch (RuntimeException e) {
                    yield false;
                }
            }
            default -> false;
        };
    }
}
