package dev.phalanx.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

@JsonInclude(JsonInclude.Include.NON_NULL)
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
