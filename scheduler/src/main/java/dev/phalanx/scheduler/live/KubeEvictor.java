package dev.phalanx.scheduler.live;

import dev.phalanx.core.cycle.Eviction;
import dev.phalanx.scheduler.metrics.SchedulerMetrics;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Commits a cycle's evictions, before any binding, victim gang by victim gang, through the Eviction API
 * (so PodDisruptionBudgets are honoured and each pod gets its termination grace period).
 *
 * <p>A budget that would refuse any pod of a victim gang spares the whole gang, so a refusal never leaves
 * a fragment of one running: every matching budget must allow as many disruptions as the gang loses
 * pods there. With {@code fallbackToDelete} the pods are deleted instead (still gracefully) and an Event
 * says a budget was overridden. A refused gang's preemptor is told so on its PodGroup and keeps waiting.
 */
public final class KubeEvictor {
    private static final Logger LOG = LoggerFactory.getLogger(KubeEvictor.class);

    private final KubernetesClient client;
    private final ClusterCache cache;
    private final EventRecorder events;
    private final SchedulerMetrics metrics;
    private final boolean fallbackToDelete;

    public KubeEvictor(KubernetesClient client, ClusterCache cache, EventRecorder events, SchedulerMetrics metrics,
                       boolean fallbackToDelete) {
        this.client = client;
        this.cache = cache;
        this.events = events;
        this.metrics = metrics;
        this.fallbackToDelete = fallbackToDelete;
    }

    /** What became of one victim gang's pods. */
    public record Outcome(String victimGang, List<String> evicted, String refusedBecause) {
    }

    public List<Outcome> evict(List<Eviction> evictions) {
        Map<String, List<Eviction>> byGang = new LinkedHashMap<>();
        evictions.forEach(e -> byGang.computeIfAbsent(e.victimGang(), k -> new ArrayList<>()).add(e));
        List<Outcome> outcomes = new ArrayList<>();
        byGang.forEach((gang, pods) -> outcomes.add(evictGang(gang, pods)));
        return outcomes;
    }

    private Outcome evictGang(String gang, List<Eviction> pods) {
        String blocking = blockingBudget(pods);
        boolean override = false;
        if (blocking != null) {
            if (!fallbackToDelete) {
                refused(pods, "PodDisruptionBudget " + blocking + " allows no more disruptions");
                return new Outcome(gang, List.of(), blocking);
            }
            override = true;
        }
        List<String> done = new ArrayList<>();
        for (Eviction e : pods) {
            try {
                boolean evicted = !override && client.pods().inNamespace(e.namespace()).withName(e.pod()).evict();
                if (!evicted) {
                    // a budget refused it (or one was found above): delete, gracefully, as configured
                    if (!fallbackToDelete) {
                        refused(List.of(e), "a PodDisruptionBudget refused the eviction");
                        continue;
                    }
                    client.pods().inNamespace(e.namespace()).withName(e.pod()).delete();
                    event(e, true, "EvictionBudgetOverridden", e.message() + "; a PodDisruptionBudget refused the "
                            + "eviction, so the pod was deleted instead (evictionFallbackToDelete)");
                } else {
                    event(e, false, e.reason(), e.message());
                }
                metrics.evicted(switch (e.reason()) {
                    case Eviction.PREEMPTED -> "preempt";
                    case Eviction.RECLAIMED -> "reclaim";
                    case Eviction.NODE_FAILED -> "node_failed";
                    default -> "stale_gang";
                });
                done.add(e.podKey());
            } catch (KubernetesClientException ex) {
                if (ex.getCode() == 404) {
                    done.add(e.podKey()); // already gone: the room is free all the same
                    continue;
                }
                LOG.warn("evicting {} for {} failed: {}", e.podKey(), e.forGang(), ex.getMessage());
                event(e, true, "EvictionFailed", "evicting for " + e.forGang() + " failed: " + ex.getMessage());
            }
        }
        return new Outcome(gang, done, null);
    }

    private void refused(List<Eviction> pods, String why) {
        Eviction first = pods.get(0);
        String[] g = first.forGang().split("/", 2);
        events.record(EventRecorder.ref("scheduling.phalanx.dev/v1alpha1", "PodGroup", g[0], g[1],
                cache.uid("PodGroup", first.forGang())), true, "PreemptionBlocked",
                "gang " + first.victimGang() + " was not evicted to make room: " + why);
        for (Eviction e : pods) {
            event(e, true, "EvictionBlocked", "not evicted for " + e.forGang() + ": " + why);
        }
    }

    private void event(Eviction e, boolean warning, String reason, String message) {
        events.record(EventRecorder.ref("v1", "Pod", e.namespace(), e.pod(), cache.uid("Pod", e.podKey())), warning,
                reason, message);
    }

    /**
     * The name of a budget that would refuse evicting all of {@code pods}: one whose selector matches
     * more of them than it allows disruptions. Null when none would.
     */
    private String blockingBudget(List<Eviction> pods) {
        String ns = pods.get(0).namespace();
        List<PodDisruptionBudget> budgets;
        try {
            budgets = client.policy().v1().podDisruptionBudget().inNamespace(ns).list().getItems();
        } catch (KubernetesClientException e) {
            LOG.debug("could not list PodDisruptionBudgets in {}: {}", ns, e.getMessage());
            return null; // the Eviction API still checks each pod
        }
        if (budgets.isEmpty()) {
            return null;
        }
        List<Pod> victims = new ArrayList<>();
        for (Eviction e : pods) {
            Pod p = client.pods().inNamespace(ns).withName(e.pod()).get();
            if (p != null) {
                victims.add(p);
            }
        }
        Set<String> blocking = new TreeSet<>();
        for (PodDisruptionBudget b : budgets) {
            long matched = victims.stream().filter(p -> matches(b.getSpec().getSelector(), p)).count();
            int allowed = b.getStatus() == null || b.getStatus().getDisruptionsAllowed() == null ? 0
                    : b.getStatus().getDisruptionsAllowed();
            if (matched > allowed) {
                blocking.add(ns + "/" + b.getMetadata().getName());
            }
        }
        return blocking.isEmpty() ? null : String.join(", ", blocking);
    }

    private static boolean matches(LabelSelector selector, Pod pod) {
        if (selector == null) {
            return false;
        }
        Map<String, String> labels = pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
        return dev.phalanx.core.model.LabelSelectors.matches(selector, labels);
    }
}
