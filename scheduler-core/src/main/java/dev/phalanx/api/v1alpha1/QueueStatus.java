package dev.phalanx.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Nullable;
import io.fabric8.kubernetes.api.model.Condition;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class QueueStatus {
    @Nullable // server-side apply stores a map it emptied as null (kubernetes/kubernetes#104694)
    private Map<String, String> fairShare = new LinkedHashMap<>();
    @Nullable // server-side apply stores a map it emptied as null (kubernetes/kubernetes#104694)
    private Map<String, String> allocated = new LinkedHashMap<>();
    @Nullable // server-side apply stores a map it emptied as null (kubernetes/kubernetes#104694)
    private Map<String, String> requested = new LinkedHashMap<>();
    @JsonPropertyDescription("What the queue held, averaged over the recent past with each moment weighing half as much per"
            + " usageHalfLife it lies back (GPUs, cores, bytes); absent when the scheduler keeps no usage history."
            + " The scheduler continues it from here after a restart or a change of leader.")
    @Nullable // server-side apply stores a map it emptied as null (kubernetes/kubernetes#104694)
    private Map<String, String> decayedUsage = new LinkedHashMap<>();
    @JsonPropertyDescription("When decayedUsage was last advanced (RFC 3339); the queue has held 'allocated' since.")
    private String decayedUsageTime;
    @JsonPropertyDescription("The over-quota weight the surplus beyond quotas was divided with: the spec's overQuotaWeight,"
            + " raised for a queue that used less than its part of the surplus recently and lowered for one that used more.")
    @Nullable // server-side apply stores a map it emptied as null (kubernetes/kubernetes#104694)
    private Map<String, String> effectiveWeight = new LinkedHashMap<>();
    /** PodGroups of this queue by phase. */
    @Nullable // server-side apply stores a map it emptied as null (kubernetes/kubernetes#104694)
    private Map<String, Integer> podGroups = new LinkedHashMap<>();
    private List<Condition> conditions = new ArrayList<>();

    public Map<String, String> getFairShare() { return fairShare; }
    public void setFairShare(Map<String, String> fairShare) { this.fairShare = fairShare == null ? new LinkedHashMap<>() : fairShare; }
    public Map<String, String> getAllocated() { return allocated; }
    public void setAllocated(Map<String, String> allocated) { this.allocated = allocated == null ? new LinkedHashMap<>() : allocated; }
    public Map<String, String> getRequested() { return requested; }
    public void setRequested(Map<String, String> requested) { this.requested = requested == null ? new LinkedHashMap<>() : requested; }
    public Map<String, String> getDecayedUsage() { return decayedUsage; }
    public void setDecayedUsage(Map<String, String> decayedUsage) { this.decayedUsage = decayedUsage == null ? new LinkedHashMap<>() : decayedUsage; }
    public String getDecayedUsageTime() { return decayedUsageTime; }
    public void setDecayedUsageTime(String decayedUsageTime) { this.decayedUsageTime = decayedUsageTime; }
    public Map<String, String> getEffectiveWeight() { return effectiveWeight; }
    public void setEffectiveWeight(Map<String, String> effectiveWeight) { this.effectiveWeight = effectiveWeight == null ? new LinkedHashMap<>() : effectiveWeight; }
    public Map<String, Integer> getPodGroups() { return podGroups; }
    public void setPodGroups(Map<String, Integer> podGroups) { this.podGroups = podGroups == null ? new LinkedHashMap<>() : podGroups; }
    public List<Condition> getConditions() { return conditions; }
    public void setConditions(List<Condition> conditions) { this.conditions = conditions; }

    @Override
    public boolean equals(Object other) {
        return other instanceof QueueStatus o && Objects.equals(fairShare, o.fairShare) && Objects.equals(allocated, o.allocated) && Objects.equals(requested, o.requested) && Objects.equals(decayedUsage, o.decayedUsage) && Objects.equals(decayedUsageTime, o.decayedUsageTime) && Objects.equals(effectiveWeight, o.effectiveWeight) && Objects.equals(podGroups, o.podGroups) && Objects.equals(conditions, o.conditions);
    }

    @Override
    public int hashCode() {
        return Objects.hash(fairShare, allocated, requested, decayedUsage, decayedUsageTime, effectiveWeight, podGroups, conditions);
    }
}
