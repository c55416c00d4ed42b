package dev.phalanx.core.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The queue hierarchy: parents, children, leaves. Built from declared queues, it marks the ones that
 * cannot take part (a missing parent, a loop in the parent chain) with a reason, and leaves out
 * nothing else. Queues with {@code parent} unset hang under an implicit root.
 */
public final class QueueTree {
    private final Map<String, QueueInfo> queues;
    private final Map<String, List<String>> children = new TreeMap<>();
    private final List<String> roots = new ArrayList<>();

    private QueueTree(Map<String, QueueInfo> queues) {
        this.queues = queues;
        for (QueueInfo q : queues.values()) {
            if (q.invalidReason() != null) {
                continue;
            }
            if (q.parent() == null) {
                roots.add(q.name());
            } else {
                children.computeIfAbsent(q.parent(), k -> new ArrayList<>()).add(q.name());
            }
        }
        Collections.sort(roots);
        children.values().forEach(Collections::sort);
    }

    /** Validates the declared queues and builds the tree of the valid ones. */
    public static QueueTree build(Map<String, QueueInfo> declared) {
        Map<String, QueueInfo> checked = new LinkedHashMap<>();
        for (QueueInfo q : new TreeMap<>(declared).values()) {
            checked.put(q.name(), q.invalidReason() != null ? q : q.withInvalidReason(chainProblem(q, declared)));
        }
        // a queue under an invalid parent cannot take part either
        boolean changed = true;
        while (changed) {
            changed = false;
            for (QueueInfo q : List.copyOf(checked.values())) {
                if (q.invalidReason() == null && q.parent() != null && checked.get(q.parent()).invalidReason() != null) {
                    checked.put(q.name(), q.withInvalidReason("parent queue " + q.parent() + " is invalid"));
                    changed = true;
                }
            }
        }
        return new QueueTree(checked);
    }

    private static String chainProblem(QueueInfo q, Map<String, QueueInfo> declared) {
        Set<String> seen = new HashSet<>();
        QueueInfo at = q;
        while (at.parent() != null) {
            if (!seen.add(at.name())) {
                return "its parent chain loops back to queue " + at.name();
            }
            if (at.parent().equals(q.name())) {
                return "its parent chain loops back to itself (" + q.name() + ")";
            }
            QueueInfo parent = declared.get(at.parent());
            if (parent == null) {
                return at == q ? "parent queue " + q.parent() + " does not exist"
                        : "ancestor queue " + at.parent() + " does not exist";
            }
            at = parent;
        }
        return null;
    }

    public Map<String, QueueInfo> queues() {
        return queues;
    }

    public QueueInfo get(String name) {
        return queues.get(name);
    }

    public List<String> roots() {
        return roots;
    }

    public List<String> children(String name) {
        return children.getOrDefault(name, List.of());
    }

    public boolean isLeaf(String name) {
        return children(name).isEmpty();
    }

    /** The queue and its ancestors, the queue first. */
    public List<String> pathToRoot(String name) {
        List<String> path = new ArrayList<>();
        for (String at = name; at != null; at = queues.get(at).parent()) {
            path.add(at);
        }
        return path;
    }

    public List<Problem> problems() {
        return queues.values().stream().filter(q -> q.invalidReason() != null)
                .map(q -> new Problem("Queue", null, q.name(), q.invalidReason())).toList();
    }
}
