package dev.phalanx.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LabelSelector;

import java.util.LinkedHashMap;
import java.util.Map;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class QueueSpec {
    @JsonPropertyDescription("Parent queue; omitted means a child of the root. Only leaf queues take work.")
    @Pattern(ApiPatterns.OBJECT_NAME)
    @Size(max = 253)
    private String parent;

    @JsonPropertyDescription("Higher-priority queues receive surplus capacity first.")
    private Integer priority;

    @JsonPropertyDescription("Namespaces whose pods and PodGroups may use this queue; omitted means every namespace.")
    private LabelSelector namespaceSelector;

    @JsonPropertyDescription("Per resource name (cpu, memory, nvidia.com/gpu, ...): quota, overQuotaWeight and limit.")
    @ValidationRule(value = "self.all(k, k.matches('" + "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$" + "'))",
            message = "resource names must be qualified names such as cpu, memory or nvidia.com/gpu")
    @Size(max = 16) // bounds the cost of the CEL rules on each entry
    private Map<String, QueueResource> resources = new LinkedHashMap<>();

    @JsonPropertyDescription("A running gang younger than this is not preempted (e.g. 5m).")
    @Pattern(ApiPatterns.DURATION)
    private String preemptMinRuntime;

    @JsonPropertyDescription("A running gang younger than this is not reclaimed by another queue (e.g. 10m).")
    @Pattern(ApiPatterns.DURATION)
    private String reclaimMinRuntime;

    public String getParent() { return parent; }
    public void setParent(String parent) { this.parent = parent; }
    public Integer getPriority() { return priority; }
    public void setPriority(Integer priority) { this.priority = priority; }
    public LabelSelector getNamespaceSelector() { return namespaceSelector; }
    public void setNamespaceSelector(LabelSelector namespaceSelector) { this.namespaceSelector = namespaceSelector; }
    public Map<String, QueueResource> getResources() { return resources; }
    public void setResources(Map<String, QueueResource> resources) { this.resources = resources; }
    public String getPreemptMinRuntime() { return preemptMinRuntime; }
    public void setPreemptMinRuntime(String preemptMinRuntime) { this.preemptMinRuntime = preemptMinRuntime; }
    public String getReclaimMinRuntime() { return reclaimMinRuntime; }
    public void setReclaimMinRuntime(String reclaimMinRuntime) { this.reclaimMinRuntime = reclaimMinRuntime; }
}
