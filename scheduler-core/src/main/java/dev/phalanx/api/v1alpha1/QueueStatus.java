package dev.phalanx.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
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
    public Map<String, Integer> getPodGroups() { return podGroups; }
    public void setPodGroups(Map<String, Integer> podGroups) { this.podGroups = podGroups == null ? new LinkedHashMap<>() : podGroups; }
    public List<Condition> getConditions() { return conditions; }
    public void setConditions(List<Condition> conditions) { this.conditions = conditions; }

    @Override
    public boolean equals(Object other) {
        return other instanceof QueueStatus o && Objects.equals(fairShare, o.fairShare) && Objects.equals(allocated, o.allocated) && Objects.equals(requested, o.requested) && Objects.equals(podGroups, o.podGroups) && Objects.equals(conditions, o.conditions);
    }

    @Override
    public int hashCode() {
        return Objects.hash(fairShare, allocated, requested, podGroups, conditions);
    }
}
