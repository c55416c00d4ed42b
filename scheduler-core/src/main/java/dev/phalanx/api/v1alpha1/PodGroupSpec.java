package dev.phalanx.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.subGroups) || self.subGroups.all(s, self.subGroups.exists_one(t, t.name == s.name))",
        message = "each subgroup's name is given once")
@ValidationRule(value = "!has(self.subGroups) || self.subGroups.all(s, !has(s.parent)"
        + " || self.subGroups.exists(t, t.name == s.parent))",
        message = "a subgroup's parent must be a subgroup in spec.subGroups")
// a tree at most three deep: every subgroup reaches a top-level one within two steps up, so no chain of parents loops
@ValidationRule(value = "!has(self.subGroups) || self.subGroups.all(s, !has(s.parent)"
        + " || !self.subGroups.exists(t, t.name == s.parent)"
        + " || self.subGroups.exists(p, p.name == s.parent && (!has(p.parent)"
        + " || self.subGroups.exists(q, has(p.parent) && q.name == p.parent && !has(q.parent)))))",
        message = "subgroups nest at most three deep: a subgroup's parent is a top-level subgroup or the child of one"
                + " (so the parents never loop)")
@ValidationRule(value = "!has(self.subGroups) || self.subGroups.all(s, has(s.minMember)"
        + " || self.subGroups.exists(t, has(t.parent) && t.parent == s.name))",
        message = "a subgroup without child subgroups needs minMember")
@ValidationRule(value = "!has(self.subGroups) || !has(self.topology) || !has(self.topology.segmentSize)",
        message = "spec.subGroups and spec.topology.segmentSize cannot both be set")
public class PodGroupSpec {
    @JsonPropertyDescription("Leaf queue the gang is charged to; omitted means the namespace's default queue.")
    @Pattern(ApiPatterns.OBJECT_NAME)
    @Size(max = 253)
    private String queue;

    @JsonPropertyDescription("How many member pods must start together; none start before that many can.")
    @Required
    @Min(1)
    private Integer minMember;

    @JsonPropertyDescription("PriorityClass whose value orders this gang within its queue.")
    @Pattern(ApiPatterns.OBJECT_NAME)
    private String priorityClassName;

    @JsonPropertyDescription("Topology constraints on where the members may run.")
    private TopologySpec topology;

    @JsonPropertyDescription("Whether the gang may be preempted or reclaimed (default true). A gang that may not"
            + " runs only within its queue's quota, since in-quota usage is never reclaimed.")
    private Boolean preemptible;

    @JsonPropertyDescription("Subgroups of the gang: leaves whose pods start together, each complete, and inner"
            + " subgroups over them; each may keep its pods inside one topology domain.")
    @Size(max = 32)
    private java.util.List<SubGroupSpec> subGroups;

    @JsonPropertyDescription("How many top-level subgroups must start, each complete; omitted: all of them.")
    @Min(1)
    private Integer minSubGroups;

    public java.util.List<SubGroupSpec> getSubGroups() { return subGroups; }
    public void setSubGroups(java.util.List<SubGroupSpec> subGroups) { this.subGroups = subGroups; }
    public Integer getMinSubGroups() { return minSubGroups; }
    public void setMinSubGroups(Integer minSubGroups) { this.minSubGroups = minSubGroups; }
    public String getQueue() { return queue; }
    public void setQueue(String queue) { this.queue = queue; }
    public Integer getMinMember() { return minMember; }
    public void setMinMember(Integer minMember) { this.minMember = minMember; }
    public String getPriorityClassName() { return priorityClassName; }
    public void setPriorityClassName(String priorityClassName) { this.priorityClassName = priorityClassName; }
    public TopologySpec getTopology() { return topology; }
    public void setTopology(TopologySpec topology) { this.topology = topology; }
    public Boolean getPreemptible() { return preemptible; }
    public void setPreemptible(Boolean preemptible) { this.preemptible = preemptible; }
}
