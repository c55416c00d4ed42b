package dev.phalanx.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** One subgroup of a PodGroup: a leaf of pods that start together, or an inner node over child subgroups. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.minMember) || !has(self.minSubGroups)",
        message = "a subgroup takes minMember (a leaf) or minSubGroups (over child subgroups), not both")
@ValidationRule(value = "!has(self.topology) || (!has(self.topology.segmentSize) && !has(self.topology.segmentRequired))",
        message = "segments are declared on the PodGroup's topology, not on a subgroup's")
public class SubGroupSpec {
    @JsonPropertyDescription("Name of the subgroup; pods join a leaf with the label scheduling.phalanx.dev/subgroup: NAME.")
    @Required
    @Pattern(ApiPatterns.DNS_LABEL)
    @Size(max = 63)
    private String name;

    @JsonPropertyDescription("The subgroup this one belongs to, listed before it; omitted: a top-level subgroup.")
    @Pattern(ApiPatterns.DNS_LABEL)
    @Size(max = 63)
    private String parent;

    @JsonPropertyDescription("For a leaf: how many of its pods must start together.")
    @Min(1)
    private Integer minMember;

    @JsonPropertyDescription("For a subgroup with child subgroups: how many of them must start, each complete;"
            + " omitted: all of them.")
    @Min(1)
    private Integer minSubGroups;

    @JsonPropertyDescription("Where the subgroup's pods run: inside one domain of a node label, or preferably so.")
    private TopologySpec topology;

    public SubGroupSpec() {
    }

    public SubGroupSpec(String name, String parent, Integer minMember, Integer minSubGroups, TopologySpec topology) {
        this.name = name;
        this.parent = parent;
        this.minMember = minMember;
        this.minSubGroups = minSubGroups;
        this.topology = topology;
    }

    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
    public String getParent() { return parent; }
    public void setParent(String parent) { this.parent = parent; }
    public Integer getMinMember() { return minMember; }
    public void setMinMember(Integer minMember) { this.minMember = minMember; }
    public Integer getMinSubGroups() { return minSubGroups; }
    public void setMinSubGroups(Integer minSubGroups) { this.minSubGroups = minSubGroups; }
    public TopologySpec getTopology() { return topology; }
    public void setTopology(TopologySpec topology) { this.topology = topology; }
}
