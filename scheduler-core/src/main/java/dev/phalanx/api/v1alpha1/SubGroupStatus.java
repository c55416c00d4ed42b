package dev.phalanx.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.Objects;

/** One subgroup of a running or waiting gang, as its PodGroup's status shows it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SubGroupStatus {
    private String name;
    /** For a leaf: the pods that must start together. */
    private Integer minMember;
    /** For a subgroup over others: how many of them must start. */
    private Integer minSubGroups;
    /** Members bound to a node. */
    private Integer scheduled;
    /** Whether the subgroup has started: its minimum is bound or done. */
    private Boolean started;
    /** Where its bound members are: its topology key and the domains, {@code key=value}. */
    private String placement;

    public SubGroupStatus() {
    }

    public SubGroupStatus(String name, Integer minMember, Integer minSubGroups, Integer scheduled, Boolean started,
                          String placement) {
        this.name = name;
        this.minMember = minMember;
        this.minSubGroups = minSubGroups;
        this.scheduled = scheduled;
        this.started = started;
        this.placement = placement;
    }

    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
    public Integer getMinMember() { return minMember; }
    public void setMinMember(Integer minMember) { this.minMember = minMember; }
    public Integer getMinSubGroups() { return minSubGroups; }
    public void setMinSubGroups(Integer minSubGroups) { this.minSubGroups = minSubGroups; }
    public Integer getScheduled() { return scheduled; }
    public void setScheduled(Integer scheduled) { this.scheduled = scheduled; }
    public Boolean getStarted() { return started; }
    public void setStarted(Boolean started) { this.started = started; }
    public String getPlacement() { return placement; }
    public void setPlacement(String placement) { this.placement = placement; }

    @Override
    public boolean equals(Object other) {
        return other instanceof SubGroupStatus o && Objects.equals(name, o.name) && Objects.equals(minMember, o.minMember)
                && Objects.equals(minSubGroups, o.minSubGroups) && Objects.equals(scheduled, o.scheduled)
                && Objects.equals(started, o.started) && Objects.equals(placement, o.placement);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, minMember, minSubGroups, scheduled, started, placement);
    }
}
