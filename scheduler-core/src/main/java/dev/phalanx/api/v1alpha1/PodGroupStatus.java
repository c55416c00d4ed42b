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
public class PodGroupStatus {
    /** Pending, Admitted, Scheduled, Running, Succeeded or Failed. */
    private String phase;
    private Integer scheduled;
    private Integer running;
    private List<Condition> conditions = new ArrayList<>();
    /** Where the gang runs: topology key to domain value, for the levels the gang named. */
    @Nullable // server-side apply stores a map it emptied as null (kubernetes/kubernetes#104694)
    private Map<String, String> placement = new LinkedHashMap<>();

    /** Each subgroup: its minimum, members bound, whether it started, and where (for a gang that has subgroups). */
    private List<SubGroupStatus> subGroups;

    public List<SubGroupStatus> getSubGroups() { return subGroups; }
    public void setSubGroups(List<SubGroupStatus> subGroups) { this.subGroups = subGroups; }
    public String getPhase() { return phase; }
    public void setPhase(String phase) { this.phase = phase; }
    public Integer getScheduled() { return scheduled; }
    public void setScheduled(Integer scheduled) { this.scheduled = scheduled; }
    public Integer getRunning() { return running; }
    public void setRunning(Integer running) { this.running = running; }
    public List<Condition> getConditions() { return conditions; }
    public void setConditions(List<Condition> conditions) { this.conditions = conditions; }
    public Map<String, String> getPlacement() { return placement; }
    public void setPlacement(Map<String, String> placement) { this.placement = placement == null ? new LinkedHashMap<>() : placement; }

    @Override
    public boolean equals(Object other) {
        return other instanceof PodGroupStatus o && Objects.equals(phase, o.phase) && Objects.equals(scheduled, o.scheduled) && Objects.equals(running, o.running) && Objects.equals(conditions, o.conditions) && Objects.equals(placement, o.placement) && Objects.equals(subGroups, o.subGroups);
    }

    @Override
    public int hashCode() {
        return Objects.hash(phase, scheduled, running, conditions, placement, subGroups);
    }
}
