package dev.phalanx.queue.grouping;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The gangs the podgrouper formed for pending pods that name none: pod key to the PodGroup it joins, or to none
 * (it starts alone). Held in memory only: once bound, a pod carries its PodGroup in an annotation its binding
 * set, so nothing here has to survive a restart; a new leader's podgrouper sees every pending pod again.
 */
public final class GroupAssignments {
    private static final String ALONE = "";
    private final Map<String, String> byPod = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<Runnable> listeners = new CopyOnWriteArrayList<>();

    /** Wakes {@code listener} whenever a pod's gang becomes known. */
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    /** {@code podGroup} null: the pod starts alone. */
    public void assign(String podKey, String podGroup) {
        String value = podGroup == null ? ALONE : podGroup;
        if (!value.equals(byPod.put(podKey, value))) {
            listeners.forEach(Runnable::run);
        }
    }

    /** Empty while the pod's gang is not known yet; else the PodGroup it joins, or an empty string when it starts alone. */
    public Optional<String> of(String podKey) {
        return Optional.ofNullable(byPod.get(podKey));
    }

    public void forget(String podKey) {
        byPod.remove(podKey);
    }
}
